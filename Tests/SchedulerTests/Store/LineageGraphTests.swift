import Foundation
import Scheduler
import Testing

/// The lineage graph from recorded events: a dataset's writers and what they read, back; its readers and what they
/// wrote, forward; only completed attempts; a scoped reader's pipelines only; gone with its runs.
@Suite struct LineageGraphTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    private func complete(_ run: Int64, _ task: String, pipeline: String = "etl", reads: [String], writes: [String]) -> StoreChange {
        .appendLineage(LineageEvent(
            kind: .complete, time: now.addingTimeInterval(Double(run)), attempt: AttemptKey(taskRun: TaskRunKey(run: RunID(run), task: TaskID(task)), number: 1),
            pipeline: PipelineID(pipeline), logicalDate: now, inputs: reads.map { .init(name: $0) }, outputs: writes.map { .init(name: $0, rows: 7) }))
    }

    /// Two runs of extract → clean → report, each run's partitions its own; both extracts read the same file.
    private func store() throws -> Store {
        let store = try Store.inMemory()
        for (run, pipeline) in [(1, "etl"), (2, "etl"), (3, "other")] as [(Int64, String)] {
            try store.applyNow([.createRun(
                Run(id: RunID(run), pipeline: PipelineID(pipeline), trigger: .manual, logicalDate: now, state: .succeeded, createdAt: now,
                    finishedAt: run == 1 ? now : now.addingTimeInterval(3600)), taskRuns: [])])
        }
        for run in [Int64(1), 2] {
            try store.applyNow([
                complete(run, "extract", reads: ["file:///in/sales.csv"], writes: ["raw/\(run)"]),
                complete(run, "clean", reads: ["raw/\(run)"], writes: ["curated/\(run)", "rejects/\(run)"]),
                complete(run, "report", reads: ["curated/\(run)"], writes: ["analysis/\(run)"]),
            ])
        }
        // A failed attempt and a start say nothing about what was written.
        try store.applyNow([.appendLineage(LineageEvent(
            kind: .fail, time: now, attempt: AttemptKey(taskRun: TaskRunKey(run: RunID(2), task: TaskID("late")), number: 1), pipeline: PipelineID("etl"),
            logicalDate: now, inputs: [.init(name: "analysis/2")], outputs: [.init(name: "never/2")], error: "boom"))])
        try store.applyNow([complete(3, "copy", pipeline: "other", reads: ["analysis/2"], writes: ["elsewhere/3"])])
        return store
    }

    @Test func aDatasetsUpstreamAndDownstreamFollowTheRecordedSteps() throws {
        let graph = try store().lineageGraph(around: "curated/2")
        #expect(graph.upstream.map { "\($0.attempt.taskRun.run.rawValue).\($0.attempt.taskRun.task)" } == ["2.clean", "2.extract"])
        #expect(graph.downstream.map { "\($0.attempt.taskRun.run.rawValue).\($0.attempt.taskRun.task)" } == ["2.report", "3.copy"])
        #expect(graph.downstream.first?.outputs.first?.rows == 7)
        #expect(!graph.truncated)
    }

    @Test func aSharedInputLeadsToEveryRunThatReadIt() throws {
        let graph = try store().lineageGraph(around: "file:///in/sales.csv")
        #expect(graph.upstream.isEmpty)
        #expect(Set(graph.downstream.map { "\($0.attempt.taskRun.run.rawValue).\($0.attempt.taskRun.task)" })
            == ["1.extract", "2.extract", "1.clean", "2.clean", "1.report", "2.report", "3.copy"])
        let capped = try store().lineageGraph(around: "file:///in/sales.csv", limit: 3)
        #expect(capped.downstream.count == 3 && capped.truncated)
    }

    @Test func aScopedReaderSeesItsPipelinesOnly() throws {
        let store = try store()
        let graph = try store.lineageGraph(around: "analysis/2", pipelines: [PipelineID("other")])
        #expect(graph.upstream.isEmpty, "etl's steps are not the reader's")
        #expect(graph.downstream.map(\.pipeline.rawValue) == ["other"])
        #expect(try store.lineageDatasets(pipelines: [PipelineID("other")]).map(\.name) == ["elsewhere/3", "analysis/2"])
        #expect(try store.lineageDatasets(pipelines: []).isEmpty)
    }

    @Test func theDatasetListNamesTheLastWriter() throws {
        let datasets = try store().lineageDatasets(matching: "/2")
        #expect(datasets.map(\.name) == ["analysis/2", "curated/2", "rejects/2", "raw/2"])
        let analysis = try #require(datasets.first)
        #expect(analysis.written && analysis.task.rawValue == "report" && analysis.run.rawValue == 2 && analysis.rows == 7)
        let input = try #require(try store().lineageDatasets(matching: "sales.csv").first)
        #expect(!input.written && input.run.rawValue == 2, "only read: its newest reader")
    }

    @Test func theGraphGoesWithItsRuns() async throws {
        let store = try store()
        #expect(try await store.deleteRuns(finishedBefore: now.addingTimeInterval(1), limit: 10).map(\.0.rawValue) == [1])
        #expect(try store.lineageGraph(around: "raw/1").upstream.isEmpty)
        #expect(try store.lineageDatasets(matching: "/1").isEmpty)
        #expect(try store.lineageGraph(around: "raw/2").upstream.count == 1)
    }
}
