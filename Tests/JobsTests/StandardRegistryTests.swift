import Jobs
import Scheduler
import Testing

@Suite struct StandardRegistryTests {
    @Test func theDaemonOffersTheBuiltInKinds() {
        #expect(JobKindRegistry.standard().kindNames == ["noop", "shell"])
    }

    @Test func pipelinesLoadWithTheStandardKinds() throws {
        let loader = PipelineLoader(registry: .standard())
        let pipeline = try loader.load(text: "tasks: [{id: a, kind: shell, with: {command: 'true'}}]", path: "jobs.d/x.yaml").get()
        #expect(pipeline.tasks.map(\.kind) == ["shell"])
    }
}
