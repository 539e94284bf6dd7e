import Foundation
import SchedulerTesting
import StandIns
import Testing

/// Alerts through the daemon, to a webhook receiver that checks signatures and a real SMTP server (aiosmtpd with
/// STARTTLS and a login): each alert arrives once per channel with what the on-call person needs, and alerts raised
/// while both receivers were down arrive exactly once after a `kill -9` and a restart.
@Suite(.timeLimit(.minutes(3))) struct AlertTests {
    private static let hookSecret = "hook-secret-for-tests"
    private static let smtpPassword = "smtp-pass-for-tests"

    private func settings(_ daemon: Daemon, hook: String, smtpPort: Int) throws -> String {
        let settings = daemon.root.appending("settings.yaml")
        try """
            alerts:
              channels:
                - name: chat
                  type: webhook
                  url: \(hook)
                  secret: {env: AO_TEST_HOOK_SECRET}
                - name: oncall
                  type: email
                  smtp_url: smtp://127.0.0.1:\(smtpPort)
                  starttls: required
                  ca_file: \(SMTPPeer.certificate)
                  from: autooptimize@example.com
                  to: [oncall@example.com]
                  username: alerts
                  password: {env: AO_TEST_SMTP_PASSWORD}
            """.write(to: settings, atomically: true, encoding: .utf8)
        // The task prints the webhook's secret: the alert must show its log lines without it.
        try daemon.write("sales.yaml", """
            id: sales
            alerts: {channels: [chat, oncall], on: [task_failed, run_failed]}
            tasks:
              - {id: work, kind: shell, with: {command: 'echo "token \(Self.hookSecret)"; echo "no sale today" >&2; exit 3'}}
            """)
        return settings.path
    }

    private let environment = ["AO_TEST_HOOK_SECRET": hookSecret, "AO_TEST_SMTP_PASSWORD": smtpPassword]

    private func mailServer(port: Int = 0) async throws -> SMTPPeer {
        var options = SMTPPeer.Options()
        options.port = port
        options.login = ("alerts", Self.smtpPassword)
        return try await SMTPPeer(options)
    }

    @Test func aFailingTaskReachesTheWebhookAndTheMailboxOncePerEvent() async throws {
        let receiver = try await WebhookReceiver(secret: Self.hookSecret)
        let mail = try await mailServer()
        let daemon = try Daemon()
        let settings = try settings(daemon, hook: receiver.url, smtpPort: mail.port)
        try await daemon.start(extra: ["--config", settings], environment: environment)
        let run = try await daemon.trigger("sales")
        try await eventually(within: 60, "two webhooks and two emails") { receiver.received.count >= 2 && mail.messages().count >= 2 }
        try await eventually(within: 30, "the outbox to say all four were sent") {
            let alerts = try await daemon.get("/api/v1/alerts")["alerts"] as? [[String: Any]] ?? []
            return alerts.count == 4 && alerts.allSatisfy { $0["state"] as? String == "sent" }
        }
        let bodies = receiver.received.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
        #expect(bodies.map { $0["event"] as? String } == ["task_failed", "run_failed"])
        #expect(bodies.allSatisfy { $0["run"] as? Int == run })
        #expect(receiver.received.allSatisfy { $0.verified }, "signed with the secret from the environment")
        #expect(Set(receiver.received.compactMap { $0.delivery }).count == 2, "a delivery id each")
        let first = try #require(bodies.first)
        #expect((first["text"] as? String)?.contains("task work of pipeline sales failed (attempt 1): command exited with status 3") == true)
        #expect((first["run_url"] as? String) == "\(daemon.url)/#/run/\(run)", "the link leads to the daemon's own panel")
        let tail = first["log_tail"] as? [String] ?? []
        #expect(tail.contains { $0.contains("no sale today") }, "the log's last lines: \(tail)")
        #expect(tail.contains { $0.contains("token [secret]") } && !tail.contains { $0.contains(Self.hookSecret) }, "the secret scrubbed: \(tail)")

        let mails = mail.messages()
        #expect(mails.count == 2)
        #expect(mails.allSatisfy { $0.encrypted && $0.login == "alerts" && $0.recipients == ["oncall@example.com"] })
        #expect(mails.map { $0.header("Subject") } == [
            "[AutoOptimize] task work of pipeline sales failed (attempt 1)", "[AutoOptimize] run \(run) of pipeline sales failed",
        ])
        let text = mails.first?.text ?? ""
        #expect(text.contains("no sale today") && text.contains("token [secret]") && !text.contains(Self.hookSecret))
        #expect(text.contains("\(daemon.url)/#/run/\(run)"))
        daemon.stop()
    }

    @Test func alertsRaisedWhileTheReceiversWereDownArriveExactlyOnceAfterACrash() async throws {
        let hookPort = ReservedPort()
        let mailPort = ReservedPort()
        let daemon = try Daemon()
        let settings = try settings(daemon, hook: "http://127.0.0.1:\(hookPort.port)/hook", smtpPort: mailPort.port)
        try await daemon.start(extra: ["--config", settings], environment: environment)
        let run = try await daemon.trigger("sales")
        try await eventually(within: 60, "four alerts, each tried and refused") {
            let alerts = try await daemon.get("/api/v1/alerts")["alerts"] as? [[String: Any]] ?? []
            return alerts.count == 4 && alerts.allSatisfy { ($0["attempts"] as? Int ?? 0) >= 1 && $0["state"] as? String == "pending" }
        }
        daemon.kill9()

        let receiver = try await WebhookReceiver(secret: Self.hookSecret, port: hookPort.port)
        let mail = try await mailServer(port: mailPort.port)
        try await daemon.start(extra: ["--config", settings], environment: environment)
        try await eventually(within: 90, "every alert sent after the restart") {
            let alerts = try await daemon.get("/api/v1/alerts")["alerts"] as? [[String: Any]] ?? []
            return alerts.count == 4 && alerts.allSatisfy { $0["state"] as? String == "sent" }
        }
        let deliveries = receiver.received.compactMap(\.delivery)
        #expect(deliveries.count == 2 && Set(deliveries).count == 2, "each webhook once: \(deliveries)")
        let messageIDs = mail.messages().compactMap { $0.header("Message-ID") }
        #expect(messageIDs.count == 2 && Set(messageIDs).count == 2, "each email once: \(messageIDs)")
        let bodies = receiver.received.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
        #expect(Set(bodies.compactMap { $0["event"] as? String }) == ["task_failed", "run_failed"])
        #expect(bodies.allSatisfy { $0["run"] as? Int == run })
        daemon.stop()
    }

    @Test func anAdminSendsATestAlertAndSeesEachChannelsHealth() async throws {
        let receiver = try await WebhookReceiver(secret: Self.hookSecret)
        let mailDown = ReservedPort()
        let daemon = try Daemon()
        let settings = try settings(daemon, hook: receiver.url, smtpPort: mailDown.port)
        try await daemon.start(extra: ["--config", settings], environment: environment)

        let chat = try await daemon.request("POST", "/api/v1/alerts/test", ["channel": "chat"])
        #expect(chat.status == 200 && chat.json["delivered"] as? Bool == true, "\(chat)")
        #expect(receiver.received.count == 1 && receiver.received.first?.verified == true, "one signed test message")
        let body = try #require(try JSONSerialization.jsonObject(with: receiver.received[0].body) as? [String: Any])
        #expect(body["event"] as? String == "test" && (body["text"] as? String)?.contains("a test alert to channel chat") == true)

        let mail = try await daemon.request("POST", "/api/v1/alerts/test", ["channel": "oncall"])
        #expect(mail.status == 200 && mail.json["delivered"] as? Bool == false, "\(mail)")
        #expect((mail.json["detail"] as? String)?.contains("127.0.0.1:\(mailDown.port)") == true, "\(mail)")
        let unknown = try await daemon.request("POST", "/api/v1/alerts/test", ["channel": "pager"])
        #expect(unknown.status == 404 && ((unknown.json["error"] as? [String: Any])?["message"] as? String)?.contains("chat, oncall") == true, "\(unknown)")
        #expect(try await daemon.request("POST", "/api/v1/alerts/test", ["name": "chat"]).status == 400)
        for role in ["viewer", "operator", "auditor"] {
            let created = try await daemon.request("POST", "/api/v1/tokens", ["name": role, "role": role])
            let token = try #require(created.json["token"] as? String, "\(created)")
            #expect(try await daemon.request("POST", "/api/v1/alerts/test", ["channel": "chat"], token: token).status == 403, "\(role)")
        }
        #expect(receiver.received.count == 1, "nothing sent for a refused request")

        _ = try await daemon.trigger("sales")
        try await eventually(within: 60, "the run's alerts at the webhook") { receiver.received.count == 3 }
        var channels: [[String: Any]] = []
        try await eventually(within: 30, "the mail channel's attempts in its health") {
            channels = try await daemon.request("GET", "/api/v1/alerts/channels").json["channels"] as? [[String: Any]] ?? []
            return (channels.last?["recent"] as? [[String: Any]])?.count ?? 0 >= 2
        }
        #expect(channels.map { $0["name"] as? String } == ["chat", "oncall"])
        let (hook, email) = (channels[0], channels[1])
        #expect(hook["health"] as? String == "ok" && hook["sent"] as? Int == 2 && hook["target"] as? String == "http://127.0.0.1:\(receiver.port)/…")
        #expect((hook["lastTest"] as? [String: Any])?["delivered"] as? Bool == true)
        #expect(email["health"] as? String == "failing" && email["pending"] as? Int == 2 && email["type"] as? String == "email")
        #expect((email["recent"] as? [[String: Any]])?.allSatisfy { $0["outcome"] as? String == "retry" } == true)

        let audit = try await daemon.request("GET", "/api/v1/audit?limit=1000").json["events"] as? [[String: Any]] ?? []
        let tests = audit.filter { $0["action"] as? String == "alert.test" }.compactMap { $0["outcome"] as? String }
        #expect(tests.filter { $0 == "ok" }.count == 2 && tests.filter { $0.hasPrefix("refused") }.count == 4, "\(tests)")
        daemon.stop()
    }

    /// Through the daemon to the receiver: a missed deadline once, repeats throttled into one alert that counts them,
    /// and a recovery once.
    @Test func aMissedDeadlineThrottledRepeatsAndARecoveryEachArriveOnce() async throws {
        let receiver = try await WebhookReceiver(secret: Self.hookSecret)
        let daemon = try Daemon()
        let settings = daemon.root.appending("settings.yaml")
        try """
            alerts:
              throttle: 1h
              channels:
                - {name: chat, type: webhook, url: \(receiver.url), secret: {env: AO_TEST_HOOK_SECRET}}
            """.write(to: settings, atomically: true, encoding: .utf8)
        try daemon.write("slow.yaml", """
            id: slow
            alerts: {channels: [chat], on: [deadline_missed], deadline: 1s}
            tasks: [{id: wait, kind: shell, with: {command: 'sleep 30'}}]
            """)
        try daemon.write("flaky.yaml", """
            id: flaky
            params: {ok: {type: string, default: "no"}}
            alerts: {channels: [chat], on: [run_failed, recovered]}
            tasks: [{id: work, kind: shell, with: {command: 'test "$AUTOOPTIMIZE_PARAM_OK" = yes'}}]
            """)
        try await daemon.start(extra: ["--config", settings.path], environment: ["AO_TEST_HOOK_SECRET": Self.hookSecret])
        let events = { receiver.received.compactMap { (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any]) } }

        let slow = try await daemon.trigger("slow")
        try await eventually(within: 60, "the missed deadline") { events().contains { $0["event"] as? String == "deadline_missed" } }
        let missed = events().filter { $0["event"] as? String == "deadline_missed" }
        #expect(missed.count == 1 && missed.first?["run"] as? Int == slow)
        #expect((missed.first?["error"] as? String)?.contains("not finished 1s after its logical date") == true, "\(missed)")
        _ = try await daemon.request("POST", "/api/v1/runs/\(slow)/cancel", [:])

        for _ in 0..<3 {
            let run = try await daemon.trigger("flaky")
            try await eventually(within: 60, "run \(run) to fail") { try await daemon.runState(run) == "failed" }
        }
        let recovered = try await daemon.trigger("flaky", params: ["ok": "yes"])
        try await eventually(within: 60, "the recovery") { events().contains { $0["event"] as? String == "recovered" } }
        let again = try await daemon.trigger("flaky", params: ["ok": "yes"])
        try await eventually(within: 60, "run \(again) to succeed") { try await daemon.runState(again) == "succeeded" }
        try await eventually(within: 30, "every alert delivered") {
            (try await daemon.request("GET", "/api/v1/alerts").json["alerts"] as? [[String: Any]])?.allSatisfy { $0["state"] as? String == "sent" } ?? false
        }
        let flaky = events().filter { $0["pipeline"] as? String == "flaky" }
        #expect(flaky.compactMap { $0["event"] as? String } == ["run_failed", "recovered"], "three failures throttled into one: \(flaky)")
        #expect(flaky.last?["run"] as? Int == recovered)
        #expect(try await daemon.request("GET", "/api/v1/alerts").json["alerts"].map { ($0 as? [[String: Any]])?.count } == 3)
        #expect(events().filter { $0["event"] as? String == "deadline_missed" }.count == 1, "the deadline still reported once")
        daemon.stop()
    }
}
