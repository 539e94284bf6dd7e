import Connectors
import Foundation
public import Scheduler
import Synchronization

/// The channels as the panel lists them, and the "send a test alert" an admin asks for: sent now, once, through
/// the same code as real alerts, its outcome said at once (and kept, for the channel's health) rather than retried.
extension AlertSender: AlertChannelDirectory {
    public var channels: [AlertChannelSummary] {
        settings.channels.map { channel in
            switch channel {
            case .email(let name, let email):
                return AlertChannelSummary(name: name, type: "email", target: "\(email.smtpURL) → \(email.to.joined(separator: ", "))")
            case .webhook(let name, let webhook):
                return AlertChannelSummary(name: name, type: "webhook", target: Self.hostOnly(webhook.url))
            }
        }
    }

    public var lastTests: [String: AlertTestOutcome] { tests.withLock { $0 } }

    public func sendTest(to name: String, requestedBy: String) async -> AlertTestOutcome? {
        guard let channel = settings.channels.first(where: { $0.name == name }) else { return nil }
        let id = "test-\(UUID().uuidString.lowercased())"
        let text = "AutoOptimize: a test alert to channel \(name), sent by \(requestedBy). If you read this, alerts reach you."
        let outcome: Outcome
        switch channel {
        case .webhook(_, let webhook):
            let object: [String: Any] = [
                "text": text, "id": id, "event": "test", "channel": name, "created_at": ISO8601DateFormatter().string(from: Date()),
            ]
            let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            outcome = await post(body, delivery: id, to: webhook, channel: name)
        case .email(_, let email):
            let domain = email.from.split(separator: "@").last.map(String.init) ?? "autooptimize"
            let message = MailMessage(
                from: email.from, to: email.to, subject: "[AutoOptimize] test alert to channel \(name)", body: text + "\n",
                messageID: "\(id)@\(domain)", date: Date(), headers: [("X-AutoOptimize-Delivery", id)])
            outcome = await mail(message, to: email, channel: name)
        }
        let result: AlertTestOutcome
        switch outcome {
        case .sent: result = AlertTestOutcome(at: Date(), delivered: true, detail: nil, requestedBy: requestedBy)
        case .retry(let why, _), .failed(let why): result = AlertTestOutcome(at: Date(), delivered: false, detail: why, requestedBy: requestedBy)
        }
        tests.withLock { $0[name] = result }
        return result
    }

    /// `https://hooks.example.com/…`: a chat hook's path is its secret.
    static func hostOnly(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return "(an address)" }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }
}
