import Foundation
import Scheduler
import SchedulerTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct EngineTests {
    private func pipeline(_ script: String, id: String = "p", extra: String = "", task: String = "") -> String {
        """
        id: \(id)
        \(extra)
        tasks:
          - id: first
            kind: noop
          - id: work
            kind: scripted
            needs: [first]
            with: {script: \(script)}
        \(task)
          - id: last
            kind: noop
            needs: [work]
        """
    }

    @Test func runGoesThroughItsTasksInOrder() async throws {
        let script = ScriptedJob.Script()
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(script))]) { harness in
            let notifications = harness.engine.notifications()
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), params: [:])).run
            // The order in which attempts start and finish, as the engine records it.
            var order: [String] = []
            for await notification in notifications {
                switch notification {
                case .attemptStarted(let attempt, _): order.append("start \(attempt.key.taskRun.task)")
                case .attemptFinished(let attempt, _): order.append("end \(attempt.key.taskRun.task)")
                case .runChanged(let changed) where changed.id == run.id && changed.state.isFinished: break
                default: continue
                }
                if order.count == 6 { break }
            }
            #expect(order == ["start first", "end first", "start work", "end work", "start last", "end last"])
            try await harness.waitFor(run.id, .succeeded)
            #expect(try harness.detail(run.id).taskRuns.allSatisfy { $0.state == .succeeded })
        }
    }

    @Test func failedAttemptIsRetriedAfterBackoff() async throws {
        let script = ScriptedJob.Script(failures: 1)
        let yaml = pipeline(EngineHarness.script(script), extra: "defaults: {retries: 2, retry_backoff: 10s}")
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            // Given the first attempt failed, the task waits out its backoff (10 s with jitter 1.0).
            let waiting = try await harness.waitFor(run.id, task: "work", .upForRetry)
            #expect(waiting.retryAt == harness.clock.now().addingTimeInterval(10))
            #expect(waiting.reason == "scripted failure 1")
            // When the backoff has passed, then the second attempt runs and succeeds.
            try await harness.waitForTimer(at: waiting.retryAt!)
            harness.clock.advance(by: 10)
            try await harness.waitFor(run.id, .succeeded)
            let attempts = try harness.detail(run.id).attempts.filter { $0.key.taskRun.task.rawValue == "work" }
            #expect(attempts.map(\.state) == [.failed, .succeeded])
            #expect(script.attempts.count == 2)
        }
    }

    @Test func taskFailsWhenRetriesRunOutAndDownstreamIsSkipped() async throws {
        let script = ScriptedJob.Script(failures: 5)
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(script))]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .failed)
            let states = try harness.detail(run.id).taskRuns.reduce(into: [String: TaskRunState]()) { $0[$1.key.task.rawValue] = $1.state }
            #expect(states == ["first": .succeeded, "work": .failed, "last": .skipped])
        }
    }

    @Test func attemptPastItsTimeoutIsStoppedAndRecordedAsTimedOut() async throws {
        let script = ScriptedJob.Script(blocks: true)
        let yaml = pipeline(EngineHarness.script(script), extra: "defaults: {timeout: 30s}")
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            let running = try await harness.waitFor(run.id, task: "work", .running)
            let deadline = running.startedAt!.addingTimeInterval(30)
            try await harness.waitForTimer(at: deadline)
            harness.clock.advance(to: deadline)
            try await harness.waitFor(run.id, .failed)
            let attempt = try harness.detail(run.id).attempts.first { $0.key.taskRun.task.rawValue == "work" }
            #expect(attempt?.state == .timedOut)
            #expect(attempt?.reason == "timed out after 30s")
        }
    }

    @Test func sameIdempotencyKeyReturnsTheSameRun() async throws {
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(.init()))]) { harness in
            let first = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), idempotencyKey: "ci-42"))
            let second = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), idempotencyKey: "ci-42"))
            #expect(first.created && !second.created)
            #expect(first.run.id == second.run.id)
            #expect(try harness.store.runs().count == 1)
        }
    }

    @Test func badParamsAndUnknownPipelinesAreRefused() async throws {
        let yaml = pipeline(EngineHarness.script(.init()), extra: "params:\n  days: {type: integer, default: 7}")
        try await EngineHarness.with(yaml: [yaml]) { harness in
            await #expect(throws: EngineError.badParams(ParamError(name: "days", message: "\"seven\" is not an integer"))) {
                try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), params: ["days": .string("seven")]))
            }
            await #expect(throws: EngineError.unknownPipeline(PipelineID("q"), known: [PipelineID("p")])) {
                try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("q")))
            }
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            #expect(run.params == ["days": .integer(7)])
        }
    }

    @Test func maxActiveRunsQueuesTheRest() async throws {
        let script = ScriptedJob.Script(blocks: true)
        let yaml = pipeline(EngineHarness.script(script), extra: "max_active_runs: 1")
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let first = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            let second = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(first.id, task: "work", .running)
            #expect(try harness.detail(second.id).run.state == .queued)
            script.release()
            try await harness.waitFor(first.id, .succeeded)
            try await harness.waitFor(second.id, .succeeded)
        }
    }

    @Test func cancellingARunStopsItsRunningAttempt() async throws {
        let script = ScriptedJob.Script(blocks: true)
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(script))]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, task: "work", .running)
            _ = try await harness.engine.cancel(run.id, by: "ana")
            try await harness.waitFor(run.id, task: "work", .cancelled)
            try await harness.waitFor(run.id, .cancelled)
            let detail = try harness.detail(run.id)
            #expect(detail.run.note == "cancelled by ana")
            #expect(detail.taskRuns.first { $0.key.task.rawValue == "work" }?.state == .cancelled)
            #expect(detail.taskRuns.first { $0.key.task.rawValue == "last" }?.state == .cancelled)
            await #expect(throws: EngineError.invalidRequest("run \(run.id) has already finished (cancelled)")) {
                try await harness.engine.cancel(run.id)
            }
        }
    }

    @Test func rerunOfFailedTasksRunsThemAndTheirDownstreamInTheSameRun() async throws {
        let script = ScriptedJob.Script(failures: 1)
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(script))]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .failed)
            _ = try await harness.engine.rerun(run.id)
            try await harness.waitFor(run.id, .succeeded)
            let detail = try harness.detail(run.id)
            #expect(detail.attempts.filter { $0.key.taskRun.task.rawValue == "first" }.count == 1)
            #expect(detail.attempts.filter { $0.key.taskRun.task.rawValue == "work" }.map(\.key.number) == [1, 2])
            #expect(detail.attempts.filter { $0.key.taskRun.task.rawValue == "last" }.count == 1)
        }
    }

    @Test func rerunFromATaskRunsItAndEverythingDownstream() async throws {
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(.init()))]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .succeeded)
            _ = try await harness.engine.rerun(run.id, from: TaskID("work"))
            try await harness.waitFor(run.id, .succeeded)
            try await eventually { try harness.detail(run.id).attempts.count == 5 }
            let counts = try harness.detail(run.id).attempts.reduce(into: [String: Int]()) { $0[$1.key.taskRun.task.rawValue, default: 0] += 1 }
            #expect(counts == ["first": 1, "work": 2, "last": 2])
        }
    }

    @Test func markingAFailedTaskSucceededLetsItsDownstreamRun() async throws {
        let script = ScriptedJob.Script(failures: 1)
        try await EngineHarness.with(yaml: [pipeline(EngineHarness.script(script))]) { harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .failed)
            _ = try await harness.engine.mark(run.id, task: TaskID("work"), as: .succeeded, by: "ana")
            try await harness.waitFor(run.id, .succeeded)
            let work = try harness.detail(run.id).taskRuns.first { $0.key.task.rawValue == "work" }
            #expect(work?.reason == "marked succeeded by ana")
            await #expect(throws: EngineError.unknownTask(TaskID("nope"), run: run.id, known: [TaskID("first"), TaskID("work"), TaskID("last")])) {
                try await harness.engine.mark(run.id, task: TaskID("nope"), as: .failed)
            }
        }
    }
}
