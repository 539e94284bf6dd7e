import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// What the panel's Gantt, notes and calendar read: when each attempt waited for a slot, who asked for a run and
/// why, and a pipeline's outcomes per day.
@Suite(.timeLimit(.minutes(1))) struct RunHistoryDetailTests {
    @Test func anAttemptRecordsWhenItsTaskBecameReadySoItsWaitForASlotShows() async throws {
        let script = ScriptedJob.Script(blocks: true)
        let name = EngineHarness.script(script)
        let yaml = """
            id: p
            max_active_tasks: 1
            tasks:
              - {id: left, kind: scripted, with: {script: \(name)}}
              - {id: right, kind: scripted, with: {script: \(name)}}
            """
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let start = harness.clock.now()
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await eventually("one task to run") { try harness.detail(run.id).attempts.count == 1 }
            harness.clock.advance(by: 5)
            script.release()
            try await harness.waitFor(run.id, .succeeded)
            let attempts = try harness.detail(run.id).attempts.sorted { $0.startedAt < $1.startedAt }
            try #require(attempts.count == 2)
            #expect(attempts[0].queuedAt == start && attempts[0].startedAt == start, "the first had a slot at once")
            #expect(attempts[1].queuedAt == start, "the second was ready at the same moment")
            #expect(attempts[1].startedAt == start.addingTimeInterval(5), "but waited 5 s for the one slot")
            let taskRuns = try harness.detail(run.id).taskRuns
            #expect(taskRuns.allSatisfy { $0.queuedAt == start })
        }
    }

    @Test func aRetryIsQueuedWhenItFallsDueNotWhenItsTaskFirstBecameReady() async throws {
        let script = ScriptedJob.Script(failures: 1)
        let yaml = "id: p\ntasks:\n  - {id: work, kind: scripted, retries: 1, retry_backoff: 30s, with: {script: \(EngineHarness.script(script))}}\n"
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let start = harness.clock.now()
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            _ = try await harness.waitFor(run.id, task: "work", .upForRetry)
            try await harness.waitForTimer(at: start.addingTimeInterval(30))
            harness.clock.advance(by: 30)
            try await harness.waitFor(run.id, .succeeded)
            let attempts = try harness.detail(run.id).attempts.sorted { $0.key.number < $1.key.number }
            #expect(attempts.map(\.queuedAt) == [start, start.addingTimeInterval(30)])
        }
    }

    @Test func aRunKeepsWhoAskedForItAndWhyAndTheEngineNeverOverwritesTheComment() async throws {
        let script = ScriptedJob.Script(blocks: true)
        let yaml = "id: p\ntasks:\n  - {id: work, kind: scripted, with: {script: \(EngineHarness.script(script))}}\n"
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), requestedBy: "ana", comment: "March reload")).run
            #expect(run.triggeredBy == "ana" && run.comment == "March reload")
            _ = try await harness.waitFor(run.id, task: "work", .running)
            let edited = try harness.store.setComment("reloaded after the FX fix", on: run.id)
            #expect(edited?.comment == "reloaded after the FX fix")
            script.release()
            try await harness.waitFor(run.id, .succeeded)
            let stored = try harness.detail(run.id).run
            #expect(stored.comment == "reloaded after the FX fix", "the run's state changes after the edit left it")
            #expect(stored.triggeredBy == "ana")
            #expect(try harness.store.setComment("x", on: RunID(999)) == nil)
        }
    }

    @Test func theCalendarCountsOutcomesPerDayOfThePipelinesTimeZone() async throws {
        let store = try Store.inMemory()
        let zone = try #require(TimeZone(identifier: "Africa/Lagos"))  // UTC+1, no daylight saving
        // 23:30 UTC on 1 March is 00:30 on 2 March in Lagos.
        let instants: [(String, RunState)] = [
            ("2026-03-01T10:00:00Z", .succeeded), ("2026-03-01T22:00:00Z", .failed), ("2026-03-01T23:30:00Z", .succeeded),
            ("2026-03-02T12:00:00Z", .succeeded), ("2026-03-05T12:00:00Z", .cancelled),
        ]
        var changes: [StoreChange] = []
        for (index, (text, state)) in instants.enumerated() {
            let date = try #require(RFC3339.parse(text))
            changes.append(.createRun(Run(
                id: RunID(Int64(index + 1)), pipeline: PipelineID("p"), trigger: .manual, logicalDate: date, state: state, createdAt: date), taskRuns: []))
        }
        changes.append(.createRun(Run(
            id: RunID(99), pipeline: PipelineID("other"), trigger: .manual, logicalDate: try #require(RFC3339.parse("2026-03-01T10:00:00Z")),
            state: .failed, createdAt: Date()), taskRuns: []))
        try store.applyNow(changes)
        let range = try #require(RFC3339.parse("2026-02-28T23:00:00Z"))..<(try #require(RFC3339.parse("2026-03-31T23:00:00Z")))
        let days = try store.dailyOutcomes(pipeline: PipelineID("p"), in: range, timeZone: zone)
        #expect(days.map(\.day) == ["2026-03-01", "2026-03-02", "2026-03-05"])
        #expect(days.map(\.counts) == [[.succeeded: 1, .failed: 1], [.succeeded: 2], [.cancelled: 1]])
    }

    @Test func calendarDaysFollowDaylightSavingTime() async throws {
        let store = try Store.inMemory()
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        // Paris moves from UTC+1 to UTC+2 on 29 March 2026: 23:30 UTC on the 28th is the 29th's 00:30, and 22:30 UTC
        // on the 29th is already the 30th's 00:30.
        let instants = ["2026-03-28T22:30:00Z", "2026-03-28T23:30:00Z", "2026-03-29T21:30:00Z", "2026-03-29T22:30:00Z"]
        try store.applyNow(try instants.enumerated().map { index, text in
            let date = try #require(RFC3339.parse(text))
            return .createRun(Run(id: RunID(Int64(index + 1)), pipeline: PipelineID("p"), trigger: .manual, logicalDate: date, state: .succeeded, createdAt: date), taskRuns: [])
        })
        let range = try #require(RFC3339.parse("2026-03-27T00:00:00Z"))..<(try #require(RFC3339.parse("2026-04-01T00:00:00Z")))
        let days = try store.dailyOutcomes(pipeline: PipelineID("p"), in: range, timeZone: paris)
        #expect(days.map(\.day) == ["2026-03-28", "2026-03-29", "2026-03-30"])
        #expect(days.map { $0.counts[.succeeded] } == [1, 2, 1])
    }
}
