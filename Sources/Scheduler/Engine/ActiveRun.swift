import Foundation

/// A run the engine is driving: its row, the definition it runs, and its task runs
/// (indexed like the definition's tasks). The readiness rules here are pure: no I/O, no clock.
///
/// A class, owned by the engine actor alone: a run of 10,000 tasks is changed in
/// place, one task at a time, never copied.
final class ActiveRun {
    static let upstreamFailed = "upstream failed"

    var run: Run
    let pipeline: Pipeline
    private(set) var taskRuns: [TaskRun]
    /// How many task runs have not finished, kept as they change so that "is the run done" costs nothing.
    private(set) var unfinished: Int
    /// States asked for by "mark" while the task was running; applied when its attempt ends.
    var marks: [Int: TaskRunState] = [:]

    init(run: Run, pipeline: Pipeline, taskRuns: [TaskRun]) {
        self.run = run
        self.pipeline = pipeline
        self.taskRuns = taskRuns
        self.unfinished = taskRuns.count { !$0.state.isFinished }
    }

    /// Changes one task run, keeping the count of unfinished ones true.
    @discardableResult
    func update(_ index: Int, _ change: (inout TaskRun) -> Void) -> TaskRun {
        let wasFinished = taskRuns[index].state.isFinished
        change(&taskRuns[index])
        let isFinished = taskRuns[index].state.isFinished
        if wasFinished != isFinished { unfinished += isFinished ? -1 : 1 }
        return taskRuns[index]
    }

    /// A new run's task runs, all pending.
    static func pendingTaskRuns(of pipeline: Pipeline, run: RunID) -> [TaskRun] {
        pipeline.tasks.map { TaskRun(key: TaskRunKey(run: run, task: $0.id), state: .pending) }
    }

    var graph: TaskGraph { pipeline.graph }
    var isFinished: Bool { unfinished == 0 }

    func index(of task: TaskID) -> Int? { graph.index(of: task) }

    /// Whether a finished task counts as a failure for trigger rules and the run's outcome.
    func failedLike(_ index: Int) -> Bool {
        let taskRun = taskRuns[index]
        switch taskRun.state {
        case .failed, .cancelled: return true
        case .skipped: return taskRun.reason == Self.upstreamFailed
        default: return false
        }
    }

    /// The run's outcome once every task has finished.
    var outcome: RunState {
        taskRuns.indices.contains(where: failedLike) ? .failed : .succeeded
    }

    enum Decision: Equatable, Sendable {
        case wait
        case queue
        case skip(String)
    }

    /// What a pending task's trigger rule says, given its upstream tasks' states.
    func decision(for index: Int) -> Decision {
        let upstream = graph.upstream[index]
        let anyFailed = upstream.contains(where: failedLike)
        let allDone = upstream.allSatisfy { taskRuns[$0].state.isFinished }
        switch graph.tasks[index].triggerRule {
        case .oneFailed:
            if anyFailed { return .queue }
            return allDone ? .skip("no upstream task failed") : .wait
        case _ where !allDone:
            return .wait
        case .allSuccess:
            if upstream.allSatisfy({ taskRuns[$0].state == .succeeded }) { return .queue }
            return .skip(anyFailed ? Self.upstreamFailed : "upstream skipped")
        case .allDone:
            return .queue
        case .noneFailed:
            return anyFailed ? .skip(Self.upstreamFailed) : .queue
        }
    }

    /// Applies the trigger rules to every pending task, in topological order so
    /// that a skip reaches everything downstream in one pass.
    /// - Returns: the indexes whose state changed.
    func settle(now: Date) -> [Int] {
        var changed: [Int] = []
        for index in graph.topologicalOrder where taskRuns[index].state == .pending {
            if apply(decision(for: index), to: index, now: now) { changed.append(index) }
        }
        return changed
    }

    /// Applies the trigger rules to the pending tasks among `candidates` and, when one
    /// is skipped, to its downstream in turn: the work after one task ends is proportional
    /// to its downstream, not to the size of the run.
    /// - Returns: the indexes whose state changed.
    func settle(downstreamOf finished: Int, now: Date) -> [Int] {
        var changed: [Int] = []
        var work = graph.downstream[finished]
        while let index = work.popLast() {
            guard taskRuns[index].state == .pending, apply(decision(for: index), to: index, now: now) else { continue }
            changed.append(index)
            if taskRuns[index].state == .skipped { work.append(contentsOf: graph.downstream[index]) }
        }
        return changed
    }

    private func apply(_ decision: Decision, to index: Int, now: Date) -> Bool {
        switch decision {
        case .wait:
            return false
        case .queue:
            update(index) {
                $0.state = .queued
                $0.queuedAt = now
            }
        case .skip(let reason):
            update(index) {
                $0.state = .skipped
                $0.reason = reason
                $0.finishedAt = now
            }
        }
        return true
    }

    /// Puts tasks back to pending for a rerun; attempt numbers go on from where they were.
    func reset(_ indexes: [Int]) {
        for index in indexes {
            update(index) {
                $0.state = .pending
                $0.tries = 0
                $0.reason = nil
                $0.retryAt = nil
                $0.queuedAt = nil
                $0.startedAt = nil
                $0.finishedAt = nil
            }
        }
    }
}
