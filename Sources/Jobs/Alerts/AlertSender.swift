import Connectors
import Crypto
public import Foundation
public import Logging
public import Scheduler

/// Delivers the outbox's alerts, outside the engine's loop: each due alert to its channel, every attempt recorded
/// with its outcome; what retrying can help (unreachable, 408, 429, 5xx) is tried again with exponential backoff
/// and jitter (a 429's Retry-After first), across restarts (the outbox is in the store); what it cannot (another
/// 4xx) is marked failed with the reason. Webhooks only so far: an email channel's alerts wait (issue 10).
public final class AlertSender: Sendable {
    private let store: Store
    private let settings: AlertSettings
    /// The secrets, read at start.
    private let secrets: [String: String]
    private let client = CurlHTTPClient(name: "alerts")
    private let logger: Logger
    private let panelURL: String

    /// - Throws: `SettingSecretError` when a channel's secret is missing.
    public init(settings: AlertSettings, store: Store, panelURL: String, logger: Logger) throws {
        self.store = store
        self.settings = settings
        var secrets: [String: String] = [:]
        for case .webhook(let name, let webhook) in settings.channels { secrets[name] = try webhook.secret.resolve() }
        self.secrets = secrets
        self.panelURL = settings.panelURL ?? panelURL
        self.logger = logger
    }

    /// Runs until cancelled, looking for due alerts every `interval`.
    public func run(interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            do {
                try await sendDue()
                try await Task.sleep(for: interval)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("alerts: \(error)")
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Sends every alert due now. Returns how many were tried.
    @discardableResult
    public func sendDue(now: Date = Date()) async throws -> Int {
        let due = try store.dueAlerts(at: now)
        for alert in due {
            try Task.checkCancellation()
            guard let channel = settings.channels.first(where: { $0.name == alert.alert.channel }) else {
                try store.recordAlertAttempt(
                    alert.id, at: Date(), outcome: .failed, detail: "the channel \(alert.alert.channel) is no longer in the settings", retryAt: nil)
                continue
            }
            switch channel {
            case .webhook(_, let webhook):
                try await deliver(alert, to: webhook, secret: secrets[channel.name] ?? "")
            case .email:
                continue  // Not built yet: the alert waits in the outbox.
            }
        }
        return due.count
    }

    private func deliver(_ alert: StoredAlert, to webhook: AlertSettings.Webhook, secret: String) async throws {
        let body = AlertMessage(alert: alert, panelURL: panelURL).webhookBody
        let timestamp = String(Int(Date().timeIntervalSince1970))
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let signature = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
        var headers = webhook.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        headers += [
            ("Content-Type", "application/json"), ("X-AutoOptimize-Timestamp", timestamp), ("X-AutoOptimize-Signature", "v1=\(signature)"),
            ("X-AutoOptimize-Delivery", String(alert.id)),
        ]
        let request = HTTPRequest(method: "POST", url: webhook.url, headers: headers, body: Array(body), timeout: .seconds(10))
        let outcome: (StoredAlert.State, String?, Date?)
        do {
            let response = try await client.send(request)
            switch response.status {
            case 200..<300: outcome = (.sent, nil, nil)
            case 408, 429, 500...:
                let wait = response.header("retry-after").flatMap(Double.init).map { min(max($0, 1), 3600) } ?? retryDelay(after: alert.attempts)
                outcome = (.pending, "HTTP \(response.status): retrying", Date().addingTimeInterval(wait))
            default:
                let said = String(decoding: response.body.prefix(200), as: UTF8.self)
                outcome = (.failed, "HTTP \(response.status) \(said)", nil)
            }
        } catch let failure as HTTPFailure {
            outcome = (.pending, failure.message, Date().addingTimeInterval(retryDelay(after: alert.attempts)))
        }
        try store.recordAlertAttempt(alert.id, at: Date(), outcome: outcome.0, detail: outcome.1, retryAt: outcome.2)
        if outcome.0 != .sent { logger.warning("alert \(alert.id) to \(alert.alert.channel): \(outcome.1 ?? "")") }
    }

    /// 2, 4, 8… seconds up to 10 minutes, with up to a fifth more at random (receivers that were away all at once
    /// do not all get the retries at once).
    private func retryDelay(after attempts: Int) -> TimeInterval {
        let base = min(600, 2 * pow(2, Double(min(attempts, 12))))
        return base * (1 + Double.random(in: 0...0.2))
    }
}

/// What an alert says: one line of text (Slack's `text`) and the structured fields beside it.
struct AlertMessage {
    let alert: StoredAlert
    let panelURL: String

    var runLink: String? { alert.alert.run.map { "\(panelURL)/#/run/\($0.rawValue)" } }

    var text: String {
        let a = alert.alert
        let what: String
        switch a.event {
        case .taskFailed: what = "task \(a.task?.rawValue ?? "?") of pipeline \(a.pipeline) failed (attempt \(a.attempt ?? 0))"
        case .runFailed: what = "run \(a.run?.rawValue ?? 0) of pipeline \(a.pipeline) failed"
        case .recovered: what = "pipeline \(a.pipeline) recovered: run \(a.run?.rawValue ?? 0) succeeded after a failure"
        case .deadlineMissed: what = "run \(a.run?.rawValue ?? 0) of pipeline \(a.pipeline) missed its deadline"
        case .serviceFlapping: what = "service \(a.task?.rawValue ?? "?") of pipeline \(a.pipeline) keeps restarting"
        }
        var line = "AutoOptimize: \(what)"
        if let error = a.error { line += ": \(error)" }
        if a.heldBack > 0 { line += " (\(a.heldBack) more like it held back)" }
        if let runLink { line += " \(runLink)" }
        return line
    }

    var webhookBody: Data {
        let a = alert.alert
        var object: [String: Any] = [
            "text": text, "id": alert.id, "event": a.event.rawValue, "pipeline": a.pipeline.rawValue, "channel": a.channel,
            "held_back": a.heldBack, "created_at": ISO8601DateFormatter().string(from: a.createdAt),
        ]
        object["run"] = a.run?.rawValue
        object["task"] = a.task?.rawValue
        object["attempt"] = a.attempt
        object["logical_date"] = a.logicalDate.map { ISO8601DateFormatter().string(from: $0) }
        object["error"] = a.error
        object["run_url"] = runLink
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
