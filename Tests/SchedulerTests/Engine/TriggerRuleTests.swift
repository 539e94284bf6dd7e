import Foundation
@testable import Scheduler
import Testing

/// The task state machine's readiness rules, fed states and checked for decisions.
@Suite struct TriggerRuleTests {
    private func run(rule: TriggerRule, upstream: [(TaskRunState, String?)]) throws -> ActiveRun {
        var tasks = upstream.indices.map { TaskSpec(id: TaskID("u\($0)"), kind: "noop", job: NoopJob(settings: .init())) }
        tasks.append(TaskSpec(id: TaskID("t"), kind: "noop", job: NoopJob(settings: .init()), needs: tasks.map(\.id), triggerRule: rule))
        let pipeline = Pipeline(id: PipelineID("p"), graph: try TaskGraph(tasks: tasks))
        let active = ActiveRun(
            run: Run(id: RunID(1), pipeline: pipeline.id, trigger: .manual, logicalDate: .now, state: .running, createdAt: .now),
            pipeline: pipeline, taskRuns: ActiveRun.pendingTaskRuns(of: pipeline, run: RunID(1)))
        for (index, (state, reason)) in upstream.enumerated() {
            active.update(index) {
                $0.state = state
                $0.reason = reason
            }
        }
        return active
    }

    @Test(arguments: [
        (TriggerRule.allSuccess, [TaskRunState.succeeded, .succeeded], ActiveRun.Decision.queue),
        (.allSuccess, [.succeeded, .running], .wait),
        (.allSuccess, [.succeeded, .failed], .skip("upstream failed")),
        (.allSuccess, [.succeeded, .skipped], .skip("upstream skipped")),
        (.allDone, [.failed, .cancelled], .queue),
        (.allDone, [.failed, .upForRetry], .wait),
        (.oneFailed, [.failed, .running], .queue),
        (.oneFailed, [.succeeded, .succeeded], .skip("no upstream task failed")),
        (.oneFailed, [.succeeded, .pending], .wait),
        (.noneFailed, [.succeeded, .skipped], .queue),
        (.noneFailed, [.succeeded, .failed], .skip("upstream failed")),
    ])
    func decisionFollowsTheRule(rule: TriggerRule, states: [TaskRunState], expected: ActiveRun.Decision) throws {
        let active = try run(rule: rule, upstream: states.map { ($0, nil) })
        #expect(active.decision(for: states.count) == expected)
    }

    @Test func aSkipBecauseUpstreamFailedCountsAsAFailureDownstream() throws {
        let active = try run(rule: .noneFailed, upstream: [(.skipped, ActiveRun.upstreamFailed)])
        #expect(active.decision(for: 1) == .skip(ActiveRun.upstreamFailed))
    }

    @Test func settleSkipsAWholeBranchInOnePass() throws {
        let tasks = [
            TaskSpec(id: TaskID("a"), kind: "noop", job: NoopJob(settings: .init())),
            TaskSpec(id: TaskID("b"), kind: "noop", job: NoopJob(settings: .init()), needs: [TaskID("a")]),
            TaskSpec(id: TaskID("c"), kind: "noop", job: NoopJob(settings: .init()), needs: [TaskID("b")]),
            TaskSpec(id: TaskID("d"), kind: "noop", job: NoopJob(settings: .init()), needs: [TaskID("c")], triggerRule: .allDone),
        ]
        let pipeline = Pipeline(id: PipelineID("p"), graph: try TaskGraph(tasks: tasks))
        let active = ActiveRun(
            run: Run(id: RunID(1), pipeline: pipeline.id, trigger: .manual, logicalDate: .now, state: .running, createdAt: .now),
            pipeline: pipeline, taskRuns: ActiveRun.pendingTaskRuns(of: pipeline, run: RunID(1)))
        active.update(0) { $0.state = .failed }
        let changed = active.settle(downstreamOf: 0, now: .now)
        #expect(changed == [1, 2, 3])
        #expect(!active.isFinished && active.unfinished == 1)
        #expect(active.taskRuns.map(\.state) == [.failed, .skipped, .skipped, .queued])
        #expect(active.outcome == .failed)
    }
}
