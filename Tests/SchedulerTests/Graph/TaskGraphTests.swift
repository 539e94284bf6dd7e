import Scheduler
import Testing

@Suite struct TaskGraphTests {
    private func task(_ id: String, needs: [String] = [], line: Int = 0) -> TaskSpec {
        TaskSpec(id: TaskID(id), kind: "noop", job: NoopJob(settings: .init()), needs: needs.map { TaskID($0) }, line: line)
    }

    @Test func topologicalOrderPutsEveryTaskAfterItsNeeds() throws {
        let graph = try TaskGraph(tasks: [task("load", needs: ["trends"]), task("extract"), task("trends", needs: ["clean"]), task("clean", needs: ["extract"])])
        let order = graph.topologicalOrder.map { graph.tasks[$0].id.rawValue }
        #expect(order == ["extract", "clean", "trends", "load"])
    }

    @Test func downstreamClosureHoldsEverythingThatDependsOnATask() throws {
        let graph = try TaskGraph(tasks: [task("a"), task("b", needs: ["a"]), task("c", needs: ["b"]), task("d"), task("e", needs: ["d", "b"])])
        let closure = graph.downstreamClosure(of: graph.index(of: TaskID("b"))!).map { graph.tasks[$0].id.rawValue }
        #expect(closure == ["b", "c", "e"])
    }

    @Test func cycleIsReportedAsAFullPath() {
        #expect(throws: TaskGraphError.cycle([TaskID("clean"), TaskID("trends"), TaskID("load"), TaskID("clean")], line: 3)) {
            try TaskGraph(tasks: [
                task("extract", line: 1), task("clean", needs: ["extract", "load"], line: 3), task("trends", needs: ["clean"], line: 5),
                task("load", needs: ["trends"], line: 7),
            ])
        }
    }

    @Test func missingDependencyNamesTheKnownTasks() {
        let error = TaskGraphError.missingDependency(
            task: TaskID("load"), needs: TaskID("trends2"), known: [TaskID("extract"), TaskID("load")], line: 9)
        #expect(throws: error) { try TaskGraph(tasks: [task("extract"), task("load", needs: ["trends2"], line: 9)]) }
        #expect(error.description == "task \"load\" needs \"trends2\", which does not exist (tasks: extract, load)")
    }

    @Test func duplicateTaskIsRefused() {
        #expect(throws: TaskGraphError.duplicateTask(TaskID("a"), line: 4)) { try TaskGraph(tasks: [task("a"), task("a", line: 4)]) }
    }
}
