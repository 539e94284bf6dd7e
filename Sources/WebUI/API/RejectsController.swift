import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/runs/{id}/rejects`: the rows a batch run rejected (file, line, reason, the row with personal fields
/// masked), a page at a time; `?format=csv` answers the contract's `reason,rows`. Viewers and above, within scope.
struct RejectsController: Sendable {
    let store: Store
    let rejects: (any RejectsProvider)?

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("runs/:id/rejects") { request, context in try list(request, context) }
    }

    private func list(_ request: Request, _ context: AppRequestContext) throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        _ = try context.requireRead(run: RunID(id), in: store)
        let query = request.uri.queryParameters
        let format = try query.choice("format", FiguresFormat.self) ?? .json
        let offset = try query.integer("offset", in: 0...Int.max) ?? 0
        let limit = try query.integer("limit", in: 1...1000) ?? 100
        guard let detail = try store.run(RunID(id)) else { throw APIError.notFound("unknown run \(id)") }
        guard let found = try rejects?.rejects(pipeline: detail.run.pipeline, logicalDate: detail.run.logicalDate, offset: offset, limit: limit) else {
            throw APIError.notFound("run \(id) has no rejects: none of its tasks validated sales (or it has not yet)")
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if format == .csv {
            headers[.contentType] = "text/csv; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: found.reasonsCSV)))
        }
        headers[.contentType] = "application/json"
        let body = try JSONEncoder().encode(RejectsView(run: id, found: found, offset: offset))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

struct RejectsView: Encodable {
    struct Row: Encodable {
        let file: String
        let line: Int
        let reason: String
        let detail: String
        let fields: [String: String]
    }

    struct Reason: Encodable {
        let reason: String
        let rows: Int
    }

    let run: Int64
    let total: Int
    let offset: Int
    let reasons: [Reason]
    let rows: [Row]

    init(run: Int64, found: RunRejects, offset: Int) {
        self.run = run
        total = found.total
        self.offset = offset
        reasons = found.reasonsCSV.split(separator: "\n").dropFirst().compactMap { line in
            let parts = line.split(separator: ",")
            return parts.count == 2 ? Reason(reason: String(parts[0]), rows: Int(parts[1]) ?? 0) : nil
        }
        rows = found.rows.map { Row(file: $0.file, line: $0.line, reason: $0.reason, detail: $0.detail, fields: $0.fields) }
    }
}
