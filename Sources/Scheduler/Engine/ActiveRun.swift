import Foundation

/// A run the engine is driving: its row, the definition it runs, and its task runs
/// (indexed like the definition's tasks). The readiness rules here are pure.
struct ActiveRun {
    static let upstreamFailed = "upstream failed"

    var run: Run
    let pipeline: Pipeline
    var taskRuns: [TaskRun]
    /// States asked for by "mark" while the task was running; applied when its attempt ends.
    var marks: [Int: TaskRunState] = [:]

    init(run: Run, pipeline: Pipeline, taskRuns: [TaskRun]) {
        self.run = run
        self.pipeline = pipeline
        self.taskRuns = taskRuns
    }

    /// A new run's task runs, all pending.
    static func pendingTaskRuns(of pipeline: Pipeline, run: RunID) -> [TaskRun] {
        pipeline.tasks.map { TaskRun(key: TaskRunKey(run: run, task: $0.id), state: .pending) }
    }

    var graph: TaskGraph { pipeline.graph }
    var isFinished: Bool { taskRuns.allSatisfy(\.state.isFinished) }
    var hasRunningAttempts: Bool { taskRuns.contains { $0.state == .running } }

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
    mutating func settle(now: Date) -> [Int] {
        var changed: [Int] = []
        for index in graph.topologicalOrder where taskRuns[index].state == .pending {
            switch decision(for: index) {
            case .wait:
                continue
            case .queue:
                taskRuns[index].state = .queued
            case .skip(let reason):
                taskRuns[index].state = .skipped
                taskRuns[index].reason = reason
                taskRuns[index].finishedAt = now
            }
            changed.append(index)
        }
        return changed
    }

    /// Puts tasks back to pending for a rerun; attempt numbers go on from where they were.
    mutating func reset(_ indexes: [Int]) {
        for index in indexes {
            taskRuns[index].state = .pending
            taskRuns[index].tries = 0
            taskRuns[index].reason = nil
            taskRuns[index].retryAt = nil
            taskRuns[index].startedAt = nil
            taskRuns[index].finishedAt = nil
        }
    }
}
