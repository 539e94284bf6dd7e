import Foundation
import Logging
import Scheduler
import SchedulerTesting
import StandIns
import Testing

@testable import Jobs

/// The sender against a receiver that checks signatures: an alert arrives once, signed, with the same delivery id
/// on every retry; 500 and 429 are retried (429 after its Retry-After), another 4xx fails for good, an unreachable
/// receiver keeps the alert pending; every attempt is in the store. Time is passed to `sendDue`, never slept.
@Suite(.timeLimit(.minutes(1))) struct AlertSenderTests {
    private let now = Date()

    /// The webhooks' signing secret, in a private file of `directory` as the settings point at it.
    private func signingSecret(in directory: TemporaryDirectory) throws -> URL {
        let secret = directory.appending("hook-secret")
        try "s3cret-signing-key".write(to: secret, atomically: true, encoding: .utf8)
        chmod(secret.path, 0o600)
        return secret
    }

    private func setUp(url: String, timeout: String = "10s", directory: TemporaryDirectory) throws -> (Store, AlertSender) {
        let secret = try signingSecret(in: directory)
        let settings = directory.appending("settings.yaml")
        try """
            alerts:
              channels:
                - name: chat
                  type: webhook
                  url: \(url)
                  headers: {X-Team: data}
                  timeout: \(timeout)
                  secret: {file: \(secret.path)}
            """.write(to: settings, atomically: true, encoding: .utf8)
        let section = try #require(try SettingsFile(path: settings.path).section(AlertSettings.self))
        let store = try Store.inMemory()
        let run = Run(id: RunID(12), pipeline: PipelineID("sales"), trigger: .manual, logicalDate: now, state: .failed, createdAt: now)
        try store.applyNow([
            .createRun(run, taskRuns: []),
            .appendAlert(AlertDraft(
                event: .taskFailed, channel: "chat", pipeline: PipelineID("sales"), run: run.id, task: TaskID("work"), attempt: 2,
                logicalDate: now, error: "command exited with status 3", heldBack: 1, createdAt: now)),
        ])
        let sender = try AlertSender(settings: section, store: store, panelURL: "http://127.0.0.1:8080", logger: Logger(label: "test"))
        return (store, sender)
    }

    @Test func anAlertArrivesOnceSignedThroughAnOutageAndThrottling() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try await WebhookReceiver(secret: "s3cret-signing-key", answers: [500, 429])
        let (store, sender) = try setUp(url: receiver.url, directory: directory)
        try await sender.sendDue(now: now)
        var alert = try #require(try store.alerts().first)
        #expect(alert.state == .pending && alert.attempts == 1 && alert.lastError == "HTTP 500: retrying")
        #expect(try await sender.sendDue(now: now) == 0, "not due again before its backoff")
        try await sender.sendDue(now: now.addingTimeInterval(3600))
        alert = try #require(try store.alerts().first)
        #expect(alert.state == .pending && alert.lastError == "HTTP 429: retrying")
        try await sender.sendDue(now: now.addingTimeInterval(7200))
        alert = try #require(try store.alerts().first)
        #expect(alert.state == .sent && alert.attempts == 3 && alert.deliveredAt != nil)
        try await sender.sendDue(now: now.addingTimeInterval(9000))
        let received = receiver.received
        #expect(received.map(\.status) == [500, 429, 200], "delivered once, after two refusals")
        #expect(received.allSatisfy { $0.verified }, "every request signed")
        #expect(Set(received.map(\.delivery)) == [String(alert.id)], "one delivery id on every retry")
        let body = try #require(try JSONSerialization.jsonObject(with: received.last!.body) as? [String: Any])
        #expect(body["text"] as? String == "AutoOptimize: task work of pipeline sales failed (attempt 2): command exited with status 3 (1 more like it held back) http://127.0.0.1:8080/#/run/12")
        #expect(body["run"] as? Int == 12 && body["task"] as? String == "work" && body["event"] as? String == "task_failed")
    }

    @Test func aRefusalRetryingCannotHelpFailsForGood() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try await WebhookReceiver(secret: "s3cret-signing-key", answers: [404])
        let (store, sender) = try setUp(url: receiver.url, directory: directory)
        try await sender.sendDue(now: now)
        try await sender.sendDue(now: now.addingTimeInterval(3600))
        let alert = try #require(try store.alerts().first)
        #expect(alert.state == .failed && alert.attempts == 1)
        #expect(alert.lastError?.hasPrefix("HTTP 404") == true)
        #expect(receiver.received.count == 1)
    }

    @Test func anUnreachableReceiverKeepsTheAlertPending() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let down = ReservedPort()
        let (store, sender) = try setUp(url: "http://127.0.0.1:\(down.port)/hook", directory: directory)
        try await sender.sendDue(now: now)
        let alert = try #require(try store.alerts().first)
        #expect(alert.state == .pending && alert.attempts == 1)
        #expect(alert.lastError?.contains("onnect") == true, "\(String(describing: alert.lastError))")
    }

    @Test func aReceiverThatHangsOrHangsUpKeepsTheAlertPendingAndTheSenderGoingOn() async throws {
        // Closed mid-request: a reset when the request was not all read, or an empty reply when it was.
        for (manner, expected) in [(RudeServer.Manner.silent, ["timed out"]), (.hangsUp, ["Recv failure", "Empty reply"])] {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let rude = RudeServer(manner)
            let (store, sender) = try setUp(url: "http://127.0.0.1:\(rude.port)/hook", timeout: "1s", directory: directory)
            try await sender.sendDue(now: now)
            let alert = try #require(try store.alerts().first)
            #expect(alert.state == .pending && alert.attempts == 1, "\(manner)")
            #expect(expected.contains { alert.lastError?.contains($0) == true }, "\(manner): \(String(describing: alert.lastError))")
        }
    }

    /// Any TLS server with the tests' self-signed certificate will do (here the SMTP peer speaking TLS from the first
    /// byte): the handshake fails before a word of HTTP, as it would with a webhook's untrusted certificate.
    @Test func aCertificateThatDoesNotVerifyFailsForGood() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = SMTPPeer.Options()
        options.implicitTLS = true
        let tls = try await SMTPPeer(options)
        let (store, sender) = try setUp(url: "https://127.0.0.1:\(tls.port)/hook", directory: directory)
        try await sender.sendDue(now: now)
        let alert = try #require(try store.alerts().first)
        #expect(alert.state == .failed && alert.attempts == 1)
        #expect(alert.lastError?.lowercased().contains("certificate") == true, "\(String(describing: alert.lastError))")
    }

    /// Channels are served side by side: while one receiver hangs (until its 30 s timeout), the other channel's alert
    /// arrives, its attempt recorded, before the hung attempt has ended.
    @Test func aHangingReceiverHoldsBackItsOwnChannelOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let silent = RudeServer(.silent)
        let receiver = try await WebhookReceiver(secret: "s3cret-signing-key")
        let secret = try signingSecret(in: directory)
        let settings = directory.appending("settings.yaml")
        try """
            alerts:
              channels:
                - {name: stuck, type: webhook, url: "http://127.0.0.1:\(silent.port)/hook", secret: {file: \(secret.path)}, timeout: 30s}
                - {name: chat, type: webhook, url: "\(receiver.url)", secret: {file: \(secret.path)}}
            """.write(to: settings, atomically: true, encoding: .utf8)
        let section = try #require(try SettingsFile(path: settings.path).section(AlertSettings.self))
        let store = try Store.inMemory()
        let run = Run(id: RunID(3), pipeline: PipelineID("sales"), trigger: .manual, logicalDate: now, state: .failed, createdAt: now)
        try store.applyNow([.createRun(run, taskRuns: [])] + ["stuck", "chat"].map {
            .appendAlert(AlertDraft(event: .runFailed, channel: $0, pipeline: run.pipeline, run: run.id, error: "failed: work", createdAt: now))
        })
        let sender = try AlertSender(settings: section, store: store, panelURL: "http://127.0.0.1:8080", logger: Logger(label: "test"))
        let sending = Task { try await sender.sendDue(now: now) }
        defer { sending.cancel() }
        try await eventually(within: 20, "the chat channel's alert delivered") {
            try store.alerts().first { $0.alert.channel == "chat" }?.state == .sent
        }
        #expect(receiver.received.count == 1)
        #expect(try store.alerts().first { $0.alert.channel == "stuck" }?.attempts == 0, "the hung attempt has not ended")
    }
}
