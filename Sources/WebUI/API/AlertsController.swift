import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/alerts`: the outbox, newest first: each alert, its channel, its state, its attempts and last error.
/// Viewers and above; a scoped token sees its pipelines' alerts only.
struct AlertsController: Sendable {
    let store: Store

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("alerts") { request, context in
            let principal = try context.require(.read, for: .filtered)
            let query = request.uri.queryParameters
            let limit = try query.integer("limit", in: 1...500) ?? 100
            let before = try query.integer("before", in: 1...Int.max).map(Int64.init)
            let alerts = try store.alerts(before: before, limit: limit, pipelines: principal.pipelines)
            return AlertPage(alerts: alerts.map(AlertView.init), nextBefore: alerts.count == limit ? alerts.last?.id : nil)
        }
    }
}

struct AlertView: Encodable {
    let id: Int64
    let event: String
    let channel: String
    let pipeline: String
    let run: Int64?
    let task: String?
    let attempt: Int?
    let error: String?
    let heldBack: Int
    let createdAt: String
    let state: String
    let attempts: Int
    let lastError: String?
    let deliveredAt: String?

    init(_ stored: StoredAlert) {
        id = stored.id
        event = stored.alert.event.rawValue
        channel = stored.alert.channel
        pipeline = stored.alert.pipeline.rawValue
        run = stored.alert.run?.rawValue
        task = stored.alert.task?.rawValue
        attempt = stored.alert.attempt
        error = stored.alert.error
        heldBack = stored.alert.heldBack
        createdAt = rfc3339(stored.alert.createdAt)
        state = stored.state.rawValue
        attempts = stored.attempts
        lastError = stored.lastError
        deliveredAt = stored.deliveredAt.map(rfc3339)
    }
}

struct AlertPage: ResponseEncodable {
    let alerts: [AlertView]
    let nextBefore: Int64?
}
