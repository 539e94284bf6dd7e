import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/alerts`: the outbox, newest first: each alert, its channel, its state, its attempts and last error.
/// `GET /api/v1/alerts/channels`: each channel's health (its last week's alerts by state, recent attempts, last
/// test). Viewers and above; a scoped token sees its pipelines' alerts only. `POST /api/v1/alerts/test` (admins):
/// a test message to a channel, sent now, its outcome in the answer.
struct AlertsController: Sendable {
    let store: Store
    let channels: (any AlertChannelDirectory)?
    let audit: AuditRecorder

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("alerts") { request, context in
            let principal = try context.require(.read, for: .filtered)
            let query = request.uri.queryParameters
            let limit = try query.integer("limit", in: 1...500) ?? 100
            let before = try query.integer("before", in: 1...Int.max).map(Int64.init)
            let alerts = try store.alerts(before: before, limit: limit, pipelines: principal.pipelines)
            return AlertPage(alerts: alerts.map(AlertView.init), nextBefore: alerts.count == limit ? alerts.last?.id : nil)
        }
        group.get("alerts/channels") { _, context in
            let principal = try context.require(.read, for: .filtered)
            let health = try store.alertChannelHealth(since: Date().addingTimeInterval(-7 * 86400), pipelines: principal.pipelines)
            let tests = channels?.lastTests ?? [:]
            return AlertChannelList(channels: (channels?.channels ?? []).map { AlertChannelView($0, health[$0.name] ?? .init(), test: tests[$0.name]) })
        }
        group.post("alerts/test") { request, context in
            let body = try await request.decodeBody(AlertTestBody.self, context: context, shape: "a JSON object with a \"channel\"")
            return try await audit.guarded("alert.test", target: "channel \(body.channel)", .administer, context) { principal, _ in
                guard let channels else { throw APIError.notFound("no alert channels are configured (alerts.channels in the settings file)") }
                guard let outcome = await channels.sendTest(to: body.channel, requestedBy: principal.name) else {
                    let names = channels.channels.map(\.name).joined(separator: ", ")
                    throw APIError.notFound("unknown channel \"\(body.channel)\" (channels: \(names))")
                }
                return AlertTestView(channel: body.channel, outcome)
            }
        }
    }
}

struct AlertTestBody: Decodable {
    let channel: String
}

struct AlertTestView: ResponseEncodable {
    let channel: String
    let delivered: Bool
    let detail: String?
    let at: String
    let requestedBy: String

    init(channel: String, _ outcome: AlertTestOutcome) {
        self.channel = channel
        delivered = outcome.delivered
        detail = outcome.detail
        at = rfc3339(outcome.at)
        requestedBy = outcome.requestedBy
    }
}

struct AlertChannelList: ResponseEncodable {
    let channels: [AlertChannelView]
}

/// A channel and how it does: `ok` when its latest attempt (alert or test) went through, `failing` when it did not,
/// `unknown` before any.
struct AlertChannelView: Encodable {
    struct Delivery: Encodable {
        let alert: Int64
        let event: String
        let pipeline: String
        let run: Int64?
        let at: String
        let outcome: String
        let detail: String?
    }

    let name: String
    let type: String
    let target: String
    let health: String
    let sent: Int
    let pending: Int
    let failed: Int
    let lastSentAt: String?
    let lastTest: AlertTestView?
    let recent: [Delivery]

    init(_ channel: AlertChannelSummary, _ health: AlertChannelHealth, test: AlertTestOutcome?) {
        name = channel.name
        type = channel.type
        target = channel.target
        sent = health.sent
        pending = health.pending
        failed = health.failed
        lastSentAt = health.lastSentAt.map(rfc3339)
        lastTest = test.map { AlertTestView(channel: channel.name, $0) }
        recent = health.recent.map {
            Delivery(
                alert: $0.alert, event: $0.event.rawValue, pipeline: $0.pipeline.rawValue, run: $0.run?.rawValue, at: rfc3339($0.at),
                outcome: $0.outcome, detail: $0.detail)
        }
        let latest = [health.recent.first.map { ($0.at, $0.outcome == "sent") }, test.map { ($0.at, $0.delivered) }].compactMap { $0 }.max { $0.0 < $1.0 }
        self.health = latest.map { $0.1 ? "ok" : "failing" } ?? "unknown"
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
