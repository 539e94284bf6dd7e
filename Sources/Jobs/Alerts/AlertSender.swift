import Connectors
import Crypto
import Synchronization
public import Foundation
public import Logging
public import Scheduler

/// Delivers the outbox's alerts, outside the engine's loop: each due alert to its channel (a signed webhook or an
/// email), every attempt recorded with its outcome; what retrying can help (unreachable, a timeout, 408, 429, 5xx,
/// an SMTP 4xx) is tried again with exponential backoff and jitter (a 429's Retry-After first), across restarts (the
/// outbox is in the store); what it cannot (another HTTP 4xx, a refused login, a certificate that does not verify, an
/// SMTP 5xx) is marked failed with the reason.
public final class AlertSender: Sendable {
    private let store: Store
    let settings: AlertSettings
    /// Each channel's secret (webhook signing secret, SMTP password), read at start.
    let secrets: [String: String]
    private let scrubber: SecretScrubber
    /// A client, and so a thread, per channel: a receiver that hangs until its timeout holds back its own channel's
    /// alerts only.
    private let httpClients: [String: CurlHTTPClient]
    private let smtpClients: [String: CurlSMTPClient]
    /// The last test message of each channel (`sendTest`).
    let tests = Mutex<[String: AlertTestOutcome]>([:])
    private let logger: Logger
    /// Where the daemon serves the panel, for links when `panel_url` is not set: known once it listens.
    private let servedURL: Mutex<String>
    private var panelURL: String { settings.panelURL ?? servedURL.withLock { $0 } }

    /// - Parameter scrubbed: values never to show in an alert (every secret of the settings file).
    /// - Throws: `SettingSecretError` naming the channel whose secret is missing.
    public init(settings: AlertSettings, store: Store, panelURL: String, scrubbed: [String] = [], logger: Logger) throws {
        self.store = store
        self.settings = settings
        var secrets: [String: String] = [:]
        for channel in settings.channels {
            do {
                switch channel {
                case .webhook(let name, let webhook): secrets[name] = try webhook.secret.resolve()
                case .email(let name, let email): secrets[name] = try email.password?.resolve()
                }
            } catch {
                throw SettingSecretError(description: "channel \(channel.name): \(error)")
            }
        }
        self.secrets = secrets
        var httpClients: [String: CurlHTTPClient] = [:]
        var smtpClients: [String: CurlSMTPClient] = [:]
        for channel in settings.channels {
            switch channel {
            case .webhook(let name, _): httpClients[name] = CurlHTTPClient(name: "alert-\(name)")
            case .email(let name, _): smtpClients[name] = CurlSMTPClient(name: "alert-\(name)")
            }
        }
        self.httpClients = httpClients
        self.smtpClients = smtpClients
        scrubber = SecretScrubber(values: scrubbed + secrets.values)
        servedURL = Mutex(panelURL)
        self.logger = logger
    }

    /// The address the daemon listens on, once it does (with `--port 0` it is known only then).
    public func served(at url: String) {
        servedURL.withLock { $0 = url }
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

    /// Sends every alert due now, each channel's in order and the channels side by side (a channel whose receiver
    /// hangs holds back none of the others). Returns how many were tried.
    @discardableResult
    public func sendDue(now: Date = Date()) async throws -> Int {
        let due = try store.dueAlerts(at: now)
        var byChannel: [String: (channel: AlertSettings.Channel, alerts: [StoredAlert])] = [:]
        // One event alerts each of its channels: its log is found and read once for all of them.
        var tails: [String: [String]] = [:]
        for alert in due {
            guard let channel = settings.channels.first(where: { $0.name == alert.alert.channel }) else {
                try record(alert, .failed("the channel \(alert.alert.channel) is no longer in the settings"))
                continue
            }
            byChannel[channel.name, default: (channel, [])].alerts.append(alert)
            let key = Self.logKey(alert.alert)
            if tails[key] == nil { tails[key] = AlertMessage.tail(of: try? store.alertLogPath(alert.alert), scrubber: scrubber) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (channel, alerts) in byChannel.values {
                group.addTask { [self, tails] in
                    for alert in alerts {
                        try Task.checkCancellation()
                        let message = AlertMessage(alert: alert, panelURL: panelURL, logTail: tails[Self.logKey(alert.alert)] ?? [], scrubber: scrubber)
                        try record(alert, await deliver(message, to: channel))
                    }
                }
            }
            try await group.waitForAll()
        }
        return due.count
    }

    /// The attempt whose log an alert shows.
    private static func logKey(_ alert: AlertDraft) -> String { "\(alert.run?.rawValue ?? 0)|\(alert.task?.rawValue ?? "")|\(alert.attempt ?? 0)" }

    /// How one attempt went.
    enum Outcome {
        case sent
        case retry(String, after: TimeInterval?)
        case failed(String)
    }

    private func deliver(_ message: AlertMessage, to channel: AlertSettings.Channel) async -> Outcome {
        switch channel {
        case .webhook(let name, let webhook):
            await post(message.webhookBody, delivery: String(message.alert.id), to: webhook, channel: name)
        case .email(let name, let email):
            await mail(message.email(from: email.from, to: email.to), to: email, channel: name)
        }
    }

    /// One signed POST of `body`; `delivery` is the same on every retry of one alert.
    func post(_ body: Data, delivery: String, to webhook: AlertSettings.Webhook, channel: String) async -> Outcome {
        let secret = secrets[channel] ?? ""
        let timestamp = String(Int(Date().timeIntervalSince1970))
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let signature = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
        var headers = webhook.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        headers += [
            ("Content-Type", "application/json"), ("X-AutoOptimize-Timestamp", timestamp), ("X-AutoOptimize-Signature", "v1=\(signature)"),
            ("X-AutoOptimize-Delivery", delivery),
        ]
        let request = HTTPRequest(method: "POST", url: webhook.url, headers: headers, body: Array(body), timeout: webhook.timeout, caFile: webhook.caFile)
        do {
            guard let client = httpClients[channel] else { return .failed("the channel \(channel) is not in the settings") }
            let response = try await client.send(request)
            switch response.status {
            case 200..<300: return .sent
            case 408, 429, 500...:
                return .retry("HTTP \(response.status)", after: response.header("retry-after").flatMap(Double.init).map { min(max($0, 1), 3600) })
            default:
                return .failed("HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
        } catch let failure as HTTPFailure {
            // libcurl: 60 is a certificate that does not verify, which no retry mends.
            return failure.code == 60 ? .failed(failure.message) : .retry(failure.message, after: nil)
        } catch {
            return .retry("\(error)", after: nil)
        }
    }

    func mail(_ message: MailMessage, to email: AlertSettings.Email, channel: String) async -> Outcome {
        let password = secrets[channel]
        let server = SMTPServer(
            url: email.smtpURL, requireTLS: email.requireStartTLS, username: email.username, password: password, caFile: email.caFile,
            timeout: email.timeout)
        do {
            guard let client = smtpClients[channel] else { return .failed("the channel \(channel) is not in the settings") }
            try await client.send(message, via: server)
            return .sent
        } catch {
            return error.isPermanent ? .failed(error.message) : .retry(error.message, after: nil)
        }
    }

    private func record(_ alert: StoredAlert, _ outcome: Outcome) throws {
        let now = Date()
        switch outcome {
        case .sent:
            try store.recordAlertAttempt(alert.id, at: now, outcome: .sent, detail: nil, retryAt: nil)
        case .retry(let why, let after):
            let wait = after ?? retryDelay(after: alert.attempts)
            try store.recordAlertAttempt(alert.id, at: now, outcome: .pending, detail: "\(why): retrying", retryAt: now.addingTimeInterval(wait))
            logger.warning("alert \(alert.id) to \(alert.alert.channel): \(why); retrying in \(Int(wait)) s")
        case .failed(let why):
            try store.recordAlertAttempt(alert.id, at: now, outcome: .failed, detail: why, retryAt: nil)
            logger.error("alert \(alert.id) to \(alert.alert.channel) failed for good: \(why)")
        }
    }

    /// 2, 4, 8… seconds up to 10 minutes, with up to a fifth more at random (receivers that were away all at once
    /// do not all get the retries at once).
    private func retryDelay(after attempts: Int) -> TimeInterval {
        let base = min(600, 2 * pow(2, Double(min(attempts, 12))))
        return base * (1 + Double.random(in: 0...0.2))
    }
}
