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
