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

    @Test func aRunNotFinishedByItsDeadlineIsReportedOnceAlsoAcrossARestart() async throws {
        let store = try Store.inMemory()
        let clock = ManualClock(now: now)
        let script = ScriptedJob.Script(blocks: true)
        let yaml = """
            id: sales
            alerts: {channels: [chat], on: [deadline_missed], deadline: 1h}
            tasks:
              - {id: work, kind: scripted, with: {script: \(EngineHarness.script(script))}}
            """
        let first = try await EngineHarness.with(yaml: [yaml], store: store, clock: clock, alertChannels: ["chat"], alertThrottle: .zero) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("sales"))).run.id
            try await harness.waitFor(run, task: "work", .running)
            try await harness.waitForTimer(at: now.addingTimeInterval(3600))
            clock.advance(by: 3601)
            try await eventually("the deadline alert") { try harness.store.alerts().count == 1 }
            let alert = try #require(try harness.store.alerts().first?.alert)
            #expect(alert.event == .deadlineMissed && alert.run == run)
            #expect(alert.error?.hasPrefix("not finished 1h after its logical date") == true && alert.error?.hasSuffix("unfinished: work") == true)
            return run
        }
        // After a restart the run is still unfinished and past its deadline: the timer fires again at once, and the
        // outbox says it was reported. A second run's own deadline, later on the same clock, shows the first fired.
        try await EngineHarness.with(yaml: [yaml], store: store, clock: clock, alertChannels: ["chat"], alertThrottle: .zero) { harness in
            try await harness.waitFor(first, task: "work", .running)
            let second = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("sales"))).run.id
            try await harness.waitForTimer(at: clock.now().addingTimeInterval(3600))
            clock.advance(by: 3601)
            try await eventually("the second run's deadline alert") { try harness.store.alerts().count >= 2 }
            let runs = try harness.store.alerts().map { $0.alert.run }
            #expect(runs == [second, first], "one alert per run, the first not repeated")
            script.release()
        }
    }

    @Test func aRunFinishedInTimeMissesNoDeadline() async throws {
        try await EngineHarness.with(
            yaml: [pipeline(alerts: "{channels: [chat], on: [deadline_missed, run_failed], deadline: 1h}")], clock: ManualClock(now: now),
            alertChannels: ["chat"]
        ) { harness in
            let run = try await run(harness, ok: true)
            try await harness.waitForTimer(at: now.addingTimeInterval(3600))
            harness.clock.advance(by: 3601)
            // A failed run after the deadline's timer shows the engine went past it.
            _ = try await self.run(harness, ok: false)
            #expect(try harness.store.alerts().map(\.alert.event) == [.runFailed], "run \(run) finished in time")
        }
    }

    @Test func aServiceRestartedTooOftenIsReportedAsFlapping() async throws {
        let script = ScriptedJob.Script(failures: 100)
        let yaml = """
            id: stream
            alerts: {channels: [chat], on: [service_flapping], flapping: {restarts: 2, window: 10m}}
            tasks:
              - {id: feed, kind: scripted, service: true, retry_backoff: 5s, with: {script: \(EngineHarness.script(script))}}
            """
        let clock = ManualClock(now: now)
        try await EngineHarness.with(yaml: [yaml], clock: clock, alertChannels: ["chat"]) { harness in
            try await eventually { try harness.store.runs().count == 1 }
            let run = try harness.store.runs()[0].id
            for restart in 1...3 {
                let waiting = try await harness.waitFor(run, task: "feed", .upForRetry)
                #expect(try harness.store.alerts().isEmpty == (restart < 3), "restart \(restart)")
                try await harness.waitForTimer(at: waiting.retryAt!)
                clock.advance(to: waiting.retryAt!)
                try await eventually { script.attempts.count == restart + 1 }
            }
            let alerts = try harness.store.alerts()
            #expect(alerts.count == 1)
            let alert = try #require(alerts.first?.alert)
            #expect(alert.event == .serviceFlapping && alert.task?.rawValue == "feed")
            #expect(alert.error == "restarted 3 times within 10m; last exit: scripted failure 3", "\(String(describing: alert.error))")
            _ = try await harness.engine.setPaused(PipelineID("stream"), true)
            try await harness.waitFor(run, .cancelled)
        }
    }

    @Test func theThrottleRemembersAcrossARestart() async throws {
        let store = try Store.inMemory()
        let yaml = pipeline(alerts: "{channels: [chat], on: [run_failed]}")
        try await EngineHarness.with(yaml: [yaml], store: store, clock: ManualClock(now: now), alertChannels: ["chat"]) { harness in
            _ = try await run(harness, ok: false)
        }
        try await EngineHarness.with(yaml: [yaml], store: store, clock: ManualClock(now: now.addingTimeInterval(60)), alertChannels: ["chat"]) { harness in
            _ = try await run(harness, ok: false)
            #expect(try harness.store.alerts().count == 1, "a minute after the last: held back, though the daemon restarted")
        }
        try await EngineHarness.with(yaml: [yaml], store: store, clock: ManualClock(now: now.addingTimeInterval(120)), alertChannels: ["chat"]) { harness in
            _ = try await run(harness, ok: false)
            harness.clock.advance(by: 900)
            _ = try await run(harness, ok: false)
            let alerts = try harness.store.alerts()
            #expect(alerts.count == 2)
            #expect(alerts.first?.alert.heldBack == 2, "the two held back across two restarts are counted into the next")
            #expect(try harness.store.alertsHeldBack().isEmpty)
        }
    }
}
