import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// What a restart finds after the daemon died with attempts running (`kill -9`), written into the store as it would be.
@Suite(.timeLimit(.minutes(1))) struct RecoveryTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    private func storeWithInterruptedAttempt(tries: Int) throws -> Store {
        let store = try Store.inMemory()
        let run = Run(id: RunID(7), pipeline: PipelineID("p"), trigger: .manual, logicalDate: now, state: .running, createdAt: now, startedAt: now)
        let key = TaskRunKey(run: run.id, task: TaskID("work"))
        try store.applyNow([
            .createRun(run, taskRuns: [
                TaskRun(key: key, state: .running, tries: tries, attempts: tries, startedAt: now),
                TaskRun(key: TaskRunKey(run: run.id, task: TaskID("after")), state: .pending),
            ]),
            .startAttempt(Attempt(key: AttemptKey(taskRun: key, number: tries), state: .running, startedAt: now, logPath: "/dev/null")),
        ])
        return store
    }

    private func yaml(retries: Int) -> String {
        "id: p\ntasks:\n  - {id: work, kind: noop, retries: \(retries)}\n  - {id: after, kind: noop, needs: [work]}\n"
    }

    @Test func interruptedAttemptIsRecordedAndRetriedWhenRetriesRemain() async throws {
        let store = try storeWithInterruptedAttempt(tries: 1)
        try await EngineHarness.with(yaml: [yaml(retries: 1)], store: store, clock: ManualClock(now: now)) { harness in
            try await harness.waitFor(RunID(7), .succeeded)
            let attempts = try harness.detail(RunID(7)).attempts.filter { $0.key.taskRun.task.rawValue == "work" }
            #expect(attempts.map(\.state) == [.interrupted, .succeeded])
            #expect(attempts[0].reason == "the daemon stopped while this attempt ran (found at restart)")
            // Its lineage is closed: FAIL with the reason, for the attempt whose START the crash left open.
            let events = try harness.store.lineageEvents().compactMap { try JSONSerialization.jsonObject(with: Data($0.json.utf8)) as? [String: Any] }
            let failed = events.filter { $0["eventType"] as? String == "FAIL" }
            #expect(failed.count == 1, "\(events)")
            let facets = (failed.first?["run"] as? [String: Any])?["facets"] as? [String: Any]
            #expect((facets?["errorMessage"] as? [String: Any])?["message"] as? String == "the daemon stopped while this attempt ran (found at restart)")
            #expect((failed.first?["job"] as? [String: Any])?["name"] as? String == "p.work")
            // New runs do not reuse the recovered run's number.
            let next = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            #expect(next.id == RunID(8))
        }
    }

    @Test func interruptedAttemptWithoutRetriesLeftFailsSayingWhy() async throws {
        let store = try storeWithInterruptedAttempt(tries: 1)
        try await EngineHarness.with(yaml: [yaml(retries: 0)], store: store, clock: ManualClock(now: now)) { harness in
            try await harness.waitFor(RunID(7), .failed)
            let work = try harness.detail(RunID(7)).taskRuns.first { $0.key.task.rawValue == "work" }
            #expect(work?.reason == "interrupted: the daemon stopped while attempt 1 ran; no retries left")
        }
    }

    @Test func runOfAPipelineThatNoLongerExistsFailsSayingWhy() async throws {
        let store = try storeWithInterruptedAttempt(tries: 1)
        try await EngineHarness.with(yaml: ["id: other\ntasks: [{id: a, kind: noop}]"], store: store, clock: ManualClock(now: now)) { harness in
            try await harness.waitFor(RunID(7), .failed)
            #expect(try harness.detail(RunID(7)).run.note == "pipeline \"p\" is no longer defined as it was when the run started")
        }
    }

    @Test func gracefulShutdownInterruptsWithoutUsingARetryAndTheRestartFinishesTheRun() async throws {
        let store = try Store.inMemory()
        let script = ScriptedJob.Script(blocks: true)
        let yaml = "id: p\ntasks:\n  - {id: work, kind: scripted, with: {script: \(EngineHarness.script(script))}}\n"
        let runID = try await EngineHarness.with(yaml: [yaml], store: store) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, task: "work", .running)
            return run.id
        }
        // The first engine stopped; the task went back to queued without using its only try.
        let work = try store.run(runID)?.taskRuns.first
        #expect(work?.state == .queued && work?.tries == 0)
        script.release()
        try await EngineHarness.with(yaml: [yaml], store: store) { harness in
            try await harness.waitFor(runID, .succeeded)
            #expect(try harness.detail(runID).attempts.map(\.state) == [.interrupted, .succeeded])
        }
    }
}
