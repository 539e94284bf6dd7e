import Foundation
import Jobs
import Scheduler
import Testing

@Suite struct StandardRegistryTests {
    @Test func theDaemonOffersTheBuiltInStreamingAndBatchKinds() {
        #expect(JobKindRegistry.standard().kindNames == [
            "africa-trends", "noop", "sales-clean", "sales-extract", "sales-simulator", "seller-figures", "shell", "warehouse-load",
        ])
    }

    @Test func streamingSettingsAreCheckedAtLoadWithTheirFileAndLine() {
        let loader = PipelineLoader(registry: .standard())
        let result = loader.load(
            text: "id: s\ntasks:\n  - {id: f, kind: seller-figures, service: true, with: {topic: 'bad topic', fx_rates: x.csv}}\n", path: "jobs.d/s.yaml")
        guard case .failure(let diagnostics) = result else {
            Issue.record("a topic with a space loaded")
            return
        }
        #expect(diagnostics.diagnostics.map(\.description).contains { $0.hasPrefix("jobs.d/s.yaml:3") && $0.contains("topic \"bad topic\"") }, "\(diagnostics)")
        let missing = loader.load(text: "id: s\ntasks:\n  - {id: f, kind: seller-figures, service: true}\n", path: "jobs.d/s.yaml")
        guard case .failure(let why) = missing else {
            Issue.record("seller-figures without fx_rates loaded")
            return
        }
        #expect(why.diagnostics.map(\.description).contains { $0.contains("fx_rates") }, "\(why)")
    }

    @Test func theDemoPipelinesLoad() throws {
        let jobs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../jobs.d").standardized
        let result = PipelineLoader(registry: .standard()).load(directory: jobs)
        #expect(result.allDiagnostics.isEmpty, "\(result.allDiagnostics)")
        #expect(result.pipelines.map(\.id.rawValue).sorted() == ["africa-trends", "hello", "sales-realtime"])
    }

    @Test func pipelinesLoadWithTheStandardKinds() throws {
        let loader = PipelineLoader(registry: .standard())
        let pipeline = try loader.load(text: "tasks: [{id: a, kind: shell, with: {command: 'true'}}]", path: "jobs.d/x.yaml").get()
        #expect(pipeline.tasks.map(\.kind) == ["shell"])
    }
}
