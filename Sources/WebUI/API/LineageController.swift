import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/lineage/export`: the OpenLineage events of every task attempt (START, COMPLETE, FAIL), oldest
/// first, as JSON lines a Marquez or any OpenLineage consumer reads; `after` and `limit` page through them. Viewers
/// and above; a scoped token gets its pipelines' events only.
struct LineageController: Sendable {
    let store: Store

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("lineage/export") { request, context in try export(request, context) }
        group.get("lineage/datasets") { request, context in
            let principal = try context.require(.read, for: .filtered)
            let query = request.uri.queryParameters
            let found = try store.lineageDatasets(
                matching: try query.text("q", maxLength: 1024), pipelines: principal.pipelines, limit: try query.integer("limit", in: 1...1000) ?? 100)
            return LineageDatasetList(datasets: found.map(LineageDatasetList.Dataset.init))
        }
        group.get("lineage/graph") { request, context in
            let principal = try context.require(.read, for: .filtered)
            guard let dataset = try request.uri.queryParameters.text("dataset", maxLength: 4096), !dataset.isEmpty else {
                throw APIError.badRequest("dataset is required: a dataset's name as the lineage records it (GET /api/v1/lineage/datasets lists them)")
            }
            return LineageGraphView(try store.lineageGraph(around: dataset, pipelines: principal.pipelines))
        }
    }

    private func export(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let principal = try context.require(.read, for: .filtered)
        let query = request.uri.queryParameters
        let after = try query.integer("after", in: 0...Int.max) ?? 0
        let limit = try query.integer("limit", in: 1...100_000) ?? 10_000
        let events = try store.lineageEvents(after: Int64(after), limit: limit, pipelines: principal.pipelines)
        var body = ByteBuffer()
        for event in events {
            body.writeString(event.json)
            body.writeString("\n")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        headers[.cacheControl] = "no-store"
        // Where the next page starts: the last event's id.
        headers[.init("X-Lineage-Last-Id")!] = String(events.last?.id ?? Int64(after))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}

struct LineageDatasetList: ResponseEncodable {
    struct Dataset: Encodable {
        let name: String
        let pipeline: String
        let task: String
        let run: Int64
        let time: String
        /// Written by that task (else only read: nothing recorded writes it).
        let written: Bool
        let rows: Int?

        init(_ summary: LineageDatasetSummary) {
            name = summary.name
            pipeline = summary.pipeline.rawValue
            task = summary.task.rawValue
            run = summary.run.rawValue
            time = rfc3339(summary.time)
            written = summary.written
            rows = summary.rows
        }
    }

    let datasets: [Dataset]
}

/// A dataset's upstream and downstream: each job (a completed task attempt) with what it read and wrote.
struct LineageGraphView: ResponseEncodable {
    struct Dataset: Encodable {
        let name: String
        let rows: Int?
        let bytes: Int?
        let checksum: String?
    }

    struct Job: Encodable {
        let pipeline: String
        let task: String
        let run: Int64
        let attempt: Int
        let logicalDate: String
        let time: String
        let inputs: [Dataset]
        let outputs: [Dataset]

        init(_ job: LineageGraph.Job) {
            pipeline = job.pipeline.rawValue
            task = job.attempt.taskRun.task.rawValue
            run = job.attempt.taskRun.run.rawValue
            attempt = job.attempt.number
            logicalDate = rfc3339(job.logicalDate)
            time = rfc3339(job.time)
            let view = { (dataset: AttemptReport.Dataset) in Dataset(name: dataset.name, rows: dataset.rows, bytes: dataset.bytes, checksum: dataset.checksum) }
            inputs = job.inputs.map(view)
            outputs = job.outputs.map(view)
        }
    }

    let dataset: String
    let upstream: [Job]
    let downstream: [Job]
    let truncated: Bool

    init(_ graph: LineageGraph) {
        dataset = graph.dataset
        upstream = graph.upstream.map(Job.init)
        downstream = graph.downstream.map(Job.init)
        truncated = graph.truncated
    }
}
