import Foundation
import Logging
import Scheduler
import SchedulerTesting
import Testing

@testable import Jobs

/// Email alerts through a real SMTP server (aiosmtpd with STARTTLS and a login): what the on-call person reads (the
/// facts, the log's last lines with the settings' secrets scrubbed, the link), the delivery id as `Message-ID` on
/// every retry, a deferral retried and a refused login failed for good. Time is passed to `sendDue`, never slept.
@Suite(.timeLimit(.minutes(1))) struct EmailAlertTests {
    private let now = Date()
    private static let password = "mail-pass-0042"
    private static let otherSecret = "warehouse-pass-77"

    /// A store with one failed attempt (its log holding two secret values) and its alert, and a sender for `peer`.
    private func setUp(peer: SMTPPeer, password: String = EmailAlertTests.password, directory: TemporaryDirectory) throws -> (Store, AlertSender) {
        let secretFile = directory.appending("smtp-password")
        try password.write(to: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile.path, 0o600)
        let settings = directory.appending("settings.yaml")
        try """
            alerts:
              channels:
                - name: oncall
                  type: email
                  smtp_url: \(peer.url)
                  starttls: required
                  from: autooptimize@example.com
                  to: [oncall@example.com, lead@example.com]
                  username: alerts
                  password: {file: \(secretFile.path)}
                  ca_file: \(SMTPPeer.certificate)
            """.write(to: settings, atomically: true, encoding: .utf8)
        let section = try #require(try SettingsFile(path: settings.path).section(AlertSettings.self))
        let log = directory.appending("load.2.log")
        let lines = (1...30).map { "line \($0)" } + ["connecting as etl with \(Self.otherSecret) and \(password)", "boom: exit 3"]
        try lines.joined(separator: "\n").appending("\n").write(to: log, atomically: true, encoding: .utf8)
        let store = try Store.inMemory()
        let run = Run(id: RunID(12), pipeline: PipelineID("africa-trends"), trigger: .manual, logicalDate: now, state: .failed, createdAt: now)
        let attempt = AttemptKey(taskRun: TaskRunKey(run: run.id, task: TaskID("load")), number: 2)
        try store.applyNow([
            .createRun(run, taskRuns: [TaskRun(key: attempt.taskRun, state: .failed)]),
            .startAttempt(Attempt(key: attempt, state: .failed, startedAt: now, finishedAt: now, exitCode: 3, logPath: log.path)),
            .appendAlert(AlertDraft(
                event: .taskFailed, channel: "oncall", pipeline: run.pipeline, run: run.id, task: TaskID("load"), attempt: 2,
                logicalDate: now, error: "exit 3 (password \(password))", createdAt: now)),
        ])
        let sender = try AlertSender(
            settings: section, store: store, panelURL: "https://etl.example.com", scrubbed: [Self.otherSecret], logger: Logger(label: "test"))
        return (store, sender)
    }

    private func peer(deferred: Int = 0) async throws -> SMTPPeer {
        var options = SMTPPeer.Options()
        options.login = ("alerts", Self.password)
        options.deferred = deferred
        return try await SMTPPeer(options)
    }

    @Test func aFailureArrivesOnceWithWhatTheOnCallPersonNeeds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await peer(deferred: 1)
        let (store, sender) = try setUp(peer: server, directory: directory)
        try await sender.sendDue(now: now)
        var alert = try #require(try store.alerts().first)
        #expect(alert.state == .pending && alert.lastError?.contains("451") == true, "deferred: \(String(describing: alert.lastError))")
        try await sender.sendDue(now: now.addingTimeInterval(3600))
        alert = try #require(try store.alerts().first)
        #expect(alert.state == .sent && alert.attempts == 2)
        try await sender.sendDue(now: now.addingTimeInterval(7200))

        let mails = server.messages()
        #expect(mails.count == 1, "sent once")
        let mail = try #require(mails.first)
        #expect(mail.encrypted && mail.login == "alerts")
        #expect(mail.recipients == ["oncall@example.com", "lead@example.com"])
        #expect(mail.header("Message-ID") == "<alert-\(alert.id).\(Int(now.timeIntervalSince1970))@example.com>")
        #expect(mail.header("Subject") == "[AutoOptimize] task load of pipeline africa-trends failed (attempt 2)")
        let text = try #require(mail.text).replacingOccurrences(of: "\r\n", with: "\n")
        let facts = [
            "Pipeline:       africa-trends", "Run:            12", "Task:           load", "Attempt:        2", "Error:          exit 3 (password [secret])",
        ]
        let tail = ["    line 30", "    connecting as etl with [secret] and [secret]", "    boom: exit 3"]
        for expected in facts + tail + ["Open the run: https://etl.example.com/#/run/12"] {
            #expect(text.contains(expected + "\n"), "\(expected) in:\n\(text)")
        }
        #expect(text.contains("    line 13\n") && !text.contains("    line 12\n"), "the log's last 20 lines")
        #expect(!text.contains(Self.password) && !text.contains(Self.otherSecret), "no secret value")
    }

    @Test func aRefusedLoginFailsForGoodWithTheReason() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await peer()
        let (store, sender) = try setUp(peer: server, password: "not-the-password", directory: directory)
        try await sender.sendDue(now: now)
        let alert = try #require(try store.alerts().first)
        #expect(alert.state == .failed && alert.attempts == 1)
        #expect(alert.lastError?.contains("refused the user name or password") == true)
        #expect(try await sender.sendDue(now: now.addingTimeInterval(3600)) == 0, "never tried again")
        #expect(server.messages().isEmpty)
    }
}
