import Foundation
import SchedulerTesting
import StandIns
import Testing

/// Alerts through the daemon: a failing task's pipeline routes task_failed and run_failed to a webhook; the
/// receiver (which checks signatures) gets each once, signed, with its own delivery id.
@Suite(.timeLimit(.minutes(2))) struct AlertTests {
    @Test func aFailingTaskReachesTheWebhookOncePerEventSigned() async throws {
        let receiver = try await WebhookReceiver(secret: "hook-secret-for-tests")
        let daemon = try Daemon()
        let settings = daemon.root.appending("settings.yaml")
        try """
            alerts:
              channels:
                - name: chat
                  type: webhook
                  url: \(receiver.url)
                  secret: {env: AO_TEST_HOOK_SECRET}
            """.write(to: settings, atomically: true, encoding: .utf8)
        try daemon.write("sales.yaml", """
            id: sales
            alerts: {channels: [chat], on: [task_failed, run_failed]}
            tasks:
              - {id: work, kind: shell, with: {command: 'echo "no sale today" >&2; exit 3'}}
            """)
        try await daemon.start(extra: ["--config", settings.path], environment: ["AO_TEST_HOOK_SECRET": "hook-secret-for-tests"])
        let run = try await daemon.trigger("sales")
        try await eventually(within: 60, "both alerts to arrive") { receiver.received.count >= 2 }
        let bodies = receiver.received.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
        #expect(bodies.map { $0["event"] as? String } == ["task_failed", "run_failed"])
        #expect(bodies.allSatisfy { $0["run"] as? Int == run })
        let received = receiver.received
        #expect(received.allSatisfy { $0.verified }, "signed with the secret from the environment")
        #expect(Set(received.compactMap { $0.delivery }).count == 2, "a delivery id each")
        #expect((bodies.first?["text"] as? String)?.contains("task work of pipeline sales failed (attempt 1): command exited with status 3") == true)
    }
}
