import Foundation
import Hummingbird
import Scheduler

/// The analysis tables batch runs published (the panel's reports): `GET /api/v1/reports` (for each pipeline the
/// reader sees, its newest successful run that published tables), `GET /api/v1/runs/{id}/analysis` (a run's tables
/// as columns and rows) and `GET /api/v1/runs/{id}/analysis/{table}` (one table's file, CSV, for download).
/// Viewers and above, within scope.
struct AnalysisController: Sendable {
    let engine: Engine
    let store: Store
    let analysis: (any AnalysisProvider)?

    /// How many of a pipeline's newest successful runs are looked at for tables (a run of another kind of pipeline
    /// publishes none).
    static let runsLookedAt = 10

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("reports") { _, context in try await reports(try context.require(.read, for: .filtered)) }
        group.get("runs/:id/analysis") { _, context in
            let (run, tables) = try analysed(context)
            return AnalysisView(run: run, tables: tables)
        }
        group.get("runs/:id/analysis/:table") { _, context in
            let (run, tables) = try analysed(context)
            let name = context.parameters.get("table") ?? ""
            guard let table = tables.first(where: { $0.name == name }) else {
                throw APIError.notFound("run \(run.id) has no table \"\(name)\" (it has \(tables.map(\.name).joined(separator: ", ")))")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(table.name)-run\(run.id).csv\""
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: table.csv)))
        }
    }

    private func analysed(_ context: AppRequestContext) throws -> (Run, [AnalysisTable]) {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        try context.requireRead(run: RunID(id), in: store)
        guard let detail = try store.run(RunID(id)) else { throw APIError.notFound("unknown run \(id)") }
        guard let tables = try analysis?.analysis(pipeline: detail.run.pipeline, logicalDate: detail.run.logicalDate) else {
            throw APIError.notFound("run \(id) has no analysis: none of its tasks published tables (or it has not yet)")
        }
        return (detail.run, tables)
    }

    private func reports(_ principal: Principal) async throws -> ReportList {
        guard let analysis else { return ReportList(reports: []) }
        var reports: [ReportList.Report] = []
        for (pipeline, _) in await engine.pipelineList() where principal.sees(pipeline.id) {
            var filter = Store.RunFilter(limit: Self.runsLookedAt)
            filter.pipeline = pipeline.id
            filter.state = .succeeded
            for run in try store.runs(filter) {
                guard let tables = try analysis.analysisTableNames(pipeline: pipeline.id, logicalDate: run.logicalDate) else { continue }
                reports.append(.init(pipeline: pipeline.id.rawValue, run: RunSummary(run), tables: tables))
                break
            }
        }
        return ReportList(reports: reports.sorted { $0.pipeline < $1.pipeline })
    }
}

struct AnalysisView: ResponseEncodable {
    struct Table: Encodable {
        let name: String
        let columns: [String]
        let rows: [[String?]]
    }

    let run: RunSummary
    let tables: [Table]

    init(run: Run, tables: [AnalysisTable]) {
        self.run = RunSummary(run)
        self.tables = tables.map { Table(name: $0.name, columns: $0.columns, rows: $0.rows) }
    }
}

struct ReportList: ResponseEncodable {
    struct Report: Encodable {
        let pipeline: String
        let run: RunSummary
        let tables: [String]
    }

    let reports: [Report]
}
