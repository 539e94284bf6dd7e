import Foundation
import Scheduler
import SchedulerTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct SchedulingTests {
    private let start = try! Date("2025-06-01T10:00:30Z", strategy: .iso8601)

    private func hourly(catchup: Bool, maxActiveRuns: Int = 16) -> String {
        """
        id: hourly
        schedule: "0 * * * *"
        catchup: \(catchup)
        max_active_runs: \(maxActiveRuns)
        tasks: [{id: a, kind: noop}]
        """
    }

    @Test func cronInstantCreatesARunForItsLogicalDate() async throws {
        let clock = ManualClock(now: start)
        try await EngineHarness.with(yaml: ["id: minute\nschedule: \"* * * * *\"\ntasks: [{id: a, kind: noop}]"], clock: clock) { harness in
            let instant = try Date("2025-06-01T10:01:00Z", strategy: .iso8601)
            try await harness.waitForTimer(at: instant)
            #expect(try harness.store.runs().isEmpty)
            clock.advance(to: instant)
            try await eventually { try harness.store.runs().count == 1 }
            let run = try harness.store.runs()[0]
            #expect(run.trigger == .schedule && run.logicalDate == instant)
            try await harness.waitFor(run.id, .succeeded)
            // The next instant follows from the scheduled one.
            try await harness.waitForTimer(at: instant.addingTimeInterval(60))
        }
    }

    @Test func catchupCreatesEveryMissedRunAfterDowntime() async throws {
        // Given a store whose last scheduled run was three hours and a bit ago
        let store = try Store.inMemory()
        try store.applyNow([.savePipeline(PipelineState(id: PipelineID("hourly"), lastScheduledAt: start.addingTimeInterval(-3 * 3600 - 30)))])
        try await EngineHarness.with(yaml: [hourly(catchup: true, maxActiveRuns: 1)], store: store, clock: ManualClock(now: start)) { harness in
            // Then the three missed hours each get their run, one at a time.
            // Three runs one after another: a generous deadline, as the full suite keeps both cores busy.
            try await eventually(within: 30) { try harness.store.runs().filter { $0.state == .succeeded }.count == 3 }
            let dates = try harness.store.runs().map { RFC3339.format($0.logicalDate) }.sorted()
            #expect(dates == ["2025-06-01T08:00:00Z", "2025-06-01T09:00:00Z", "2025-06-01T10:00:00Z"])
            #expect(try harness.store.pipelineStates()[PipelineID("hourly")]?.lastScheduledAt == start.addingTimeInterval(-30))
        }
    }

    @Test func withoutCatchupOnlyTheLatestMissedRunIsCreated() async throws {
        let store = try Store.inMemory()
        try store.applyNow([.savePipeline(PipelineState(id: PipelineID("hourly"), lastScheduledAt: start.addingTimeInterval(-5 * 3600)))])
        try await EngineHarness.with(yaml: [hourly(catchup: false)], store: store, clock: ManualClock(now: start)) { harness in
            try await eventually { try harness.store.runs().first?.state == .succeeded }
            #expect(try harness.store.runs().map { RFC3339.format($0.logicalDate) } == ["2025-06-01T10:00:00Z"])
        }
    }

    @Test func aNewPipelineDoesNotCatchUpFromThePast() async throws {
        try await EngineHarness.with(yaml: [hourly(catchup: true)], clock: ManualClock(now: start)) { harness in
            try await harness.waitForTimer(at: start.addingTimeInterval(3600 - 30))
            #expect(try harness.store.runs().isEmpty)
        }
    }

    @Test func backfillCreatesOneRunPerInstantOnce() async throws {
        try await EngineHarness.with(yaml: [hourly(catchup: false)], clock: ManualClock(now: start)) { harness in
            let from = try Date("2025-05-01T00:00:00Z", strategy: .iso8601)
            let request = BackfillRequest(pipeline: PipelineID("hourly"), from: from, to: from.addingTimeInterval(3 * 3600))
            let created = try await harness.engine.backfill(request)
            #expect(created.count == 4)
            #expect(try await harness.engine.backfill(request).isEmpty)
            try await eventually { try harness.store.runs(.init(state: .succeeded)).count == 4 }
        }
    }

    @Test func pausedPipelineCreatesNoScheduledRunsUntilUnpaused() async throws {
        let clock = ManualClock(now: start)
        try await EngineHarness.with(yaml: [hourly(catchup: true)], clock: clock) { harness in
            let state = try await harness.engine.setPaused(PipelineID("hourly"), true)
            #expect(state.paused)
            clock.advance(by: 2 * 3600)
            // Unpausing catches up the two hours missed while paused.
            _ = try await harness.engine.setPaused(PipelineID("hourly"), false)
            try await eventually { try harness.store.runs(.init(state: .succeeded)).count == 2 }
        }
    }

    @Test func serviceIsRestartedWithBackoffWhenItExitsAndStoppedWhenPaused() async throws {
        let script = ScriptedJob.Script(failures: 100)
        let yaml = """
            id: stream
            tasks:
              - id: worker
                kind: scripted
                service: true
                retry_backoff: 5s
                with: {script: \(EngineHarness.script(script))}
            """
        let clock = ManualClock(now: start)
        try await EngineHarness.with(yaml: [yaml], clock: clock) { harness in
            try await eventually { try harness.store.runs().count == 1 }
            let run = try harness.store.runs()[0]
            #expect(run.trigger == .service)
            let waiting = try await harness.waitFor(run.id, task: "worker", .upForRetry)
            #expect(waiting.reason == "service exited: scripted failure 1; restarting")
            try await harness.waitForTimer(at: waiting.retryAt!)
            clock.advance(to: waiting.retryAt!)
            try await eventually { script.attempts.count == 2 }
            // A manual run would start a second consumer: refused, saying what to do instead.
            await #expect(throws: EngineError.invalidRequest(
                "pipeline \"stream\" runs as a service (task \"worker\"): the daemon keeps its one run going; pause and unpause it to restart it"
            )) {
                _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("stream")))
            }
            #expect(try harness.store.runs().count == 1)
            _ = try await harness.engine.setPaused(PipelineID("stream"), true)
            try await harness.waitFor(run.id, .cancelled)
        }
    }
}
