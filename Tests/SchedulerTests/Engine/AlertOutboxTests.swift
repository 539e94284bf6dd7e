import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// The engine writes alerts into the outbox in the transaction of the state change that caused them: a task that
/// failed after its last retry, a failed run, a run that succeeded after a failure; one per channel; repeats within
/// the throttle held back and counted into the next.
@Suite(.timeLimit(.minutes(1))) struct AlertOutboxTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// Fails unless the run's param `ok` is yes.
    private func pipeline(alerts: String?, retries: Int = 0) -> String {
        """
        id: sales
        params: {ok: {type: string, default: "no"}}
        \(alerts.map { "alerts: \($0)\n" } ?? "")tasks:
          - {id: work, kind: shell, retries: \(retries), retry_backoff: 1s, with: {command: 'test "$AUTOOPTIMIZE_PARAM_OK" = yes || { echo "no sale today" >&2; exit 3; }'}}
        """
    }

    private func run(_ harness: EngineHarness, ok: Bool) async throws -> RunID {
        let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("sales"), params: ["ok": .string(ok ? "yes" : "no")])).run.id
        try await harness.waitFor(run, ok ? .succeeded : .failed)
        return run
    }

    @Test func aFailedTaskAndItsRunAlertEachChannelOnceInTheirTransaction() async throws {
        try await EngineHarness.with(
            yaml: [pipeline(alerts: "{channels: [chat, mail], on: [task_failed, run_failed]}", retries: 1)], clock: ManualClock(now: now),
            alertChannels: ["chat", "mail"]
        ) { harness in
            let id = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("sales"))).run.id
            try await harness.waitFor(id, task: "work", .upForRetry)
            #expect(try harness.store.alerts().isEmpty, "no alert while a retry remains")
            harness.clock.advance(by: 2)
            try await harness.waitFor(id, .failed)
            let alerts = try harness.store.alerts().reversed().map(\.alert)
            #expect(alerts.map { "\($0.event.rawValue)/\($0.channel)" } == ["task_failed/chat", "task_failed/mail", "run_failed/chat", "run_failed/mail"])
            let taskFailed = try #require(alerts.first)
            #expect(taskFailed.run == id && taskFailed.task?.rawValue == "work" && taskFailed.attempt == 2)
            #expect(taskFailed.error == "command exited with status 3", "\(String(describing: taskFailed.error))")
            #expect(alerts.last?.error == "failed: work")
            #expect(try harness.store.alerts().allSatisfy { $0.state == .pending && $0.attempts == 0 })
        }
    }

    @Test func repeatsWithinTheThrottleAreHeldBackAndCountedIntoTheNext() async throws {
        try await EngineHarness.with(
            yaml: [pipeline(alerts: "{channels: [chat], on: [run_failed]}")], clock: ManualClock(now: now), alertChannels: ["chat"],
            alertThrottle: .seconds(900)
        ) { harness in
            for _ in 0..<3 { _ = try await run(harness, ok: false) }
            #expect(try harness.store.alerts().count == 1, "one alert in 15 minutes")
            harness.clock.advance(by: 901)
            _ = try await run(harness, ok: false)
            let alerts = try harness.store.alerts()
            #expect(alerts.count == 2)
            #expect(alerts.first?.alert.heldBack == 2, "the two held back are counted into the next")
        }
    }

    @Test func aSuccessAfterAFailureIsARecoveryOnce() async throws {
        try await EngineHarness.with(
            yaml: [pipeline(alerts: nil)], clock: ManualClock(now: now), alertChannels: ["chat"],
            alertDefault: AlertRoute(channels: ["chat"], events: [.recovered])
        ) { harness in
            _ = try await run(harness, ok: true)
            #expect(try harness.store.alerts().isEmpty, "no failure before: nothing recovered")
            let failed = try await run(harness, ok: false)
            #expect(try harness.store.alerts().isEmpty, "the default route listens to recovered only")
            let recovered = try await run(harness, ok: true)
            _ = try await run(harness, ok: true)
            let alerts = try harness.store.alerts()
            #expect(alerts.map(\.alert.event) == [.recovered])
            #expect(alerts.first?.alert.run == recovered && recovered != failed)
        }
    }

    @Test func aRecoveryIsSeenAcrossARestart() async throws {
        let store = try Store.inMemory()
        let yaml = pipeline(alerts: "{channels: [chat], on: [recovered]}")
        try await EngineHarness.with(yaml: [yaml], store: store, clock: ManualClock(now: now), alertChannels: ["chat"]) { harness in
            _ = try await run(harness, ok: false)
        }
        try await EngineHarness.with(yaml: [yaml], store: store, clock: ManualClock(now: now), alertChannels: ["chat"]) { harness in
            _ = try await run(harness, ok: true)
            #expect(try harness.store.alerts().map(\.alert.event) == [.recovered])
        }
    }
}
