import DequeModule
import Foundation
import Logging

// MARK: - Recovery at start-up

extension Engine {
    /// Picks up where the last daemon stopped, however it stopped.
    ///
    /// Every run that had not finished is resumed. Attempts still marked running
    /// were cut short (a crash, `kill -9`): their leftover processes are killed,
    /// the attempt is recorded as interrupted with why, and the task is retried
    /// under its own rules. The changes are written by the first commit of the
    /// loop, before anything is launched.
    func recover() throws(StoreError) {
        states = try store.pipelineStates()
        nextRunID = try store.maxRunID() + 1
        let definitions = Dictionary(
            (initialLoad?.pipelines ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let now = clock.now()
        var recovered = 0
        for detail in try store.activeRuns() {
            recovered += 1
            guard let pipeline = definitions[detail.run.pipeline], let taskRuns = Self.align(detail.taskRuns, to: pipeline) else {
                abandon(detail, at: now)
                continue
            }
            let active = ActiveRun(run: detail.run, pipeline: pipeline, taskRuns: taskRuns)
            recordInterrupted(detail.attempts, of: detail.run, at: now)
            for index in active.taskRuns.indices {
                resumeTask(active, index, at: now)
            }
            runs[detail.run.id] = active
            armDeadline(active)
            switch active.run.state {
            case .queued:
                queuedRuns[pipeline.id, default: []].append(detail.run.id)
            default:
                if active.run.trigger != .service, slotHolders.insert(detail.run.id).inserted {
                    runningRuns[pipeline.id, default: 0] += 1
                }
            }
        }
        restoreAlertTimes(at: now)
        if recovered > 0 { logger.info("runs recovered", metadata: [LogKey.count: "\(recovered)"]) }
        for id in runs.keys.sorted() { settle(id) }
    }

    /// Brings one task run of a recovered run back into the engine's hands.
    private func resumeTask(_ active: ActiveRun, _ index: Int, at now: Date) {
        var taskRun = active.taskRuns[index]
        let task = active.pipeline.tasks[index]
        switch taskRun.state {
        case .running:
            taskRun = TaskRunTransitions.next(after: .lostInCrash, of: taskRun, task: task, jitter: configuration.jitter(), at: now)
            if taskRun.state == .upForRetry { arm(.retry(taskRun.key), at: taskRun.retryAt ?? now) }
            save(taskRun)
        case .queued:
            admission.enqueue(taskRun.key, pipeline: active.run.pipeline)
        case .upForRetry:
            arm(.retry(taskRun.key), at: taskRun.retryAt ?? now)
        case .pending, .succeeded, .failed, .skipped, .cancelled:
            break
        }
        active.update(index) { $0 = taskRun }
    }

    /// Attempts still marked running were cut short: kill what they left and record why they ended, with the FAIL
    /// lineage event their START is still waiting for (in the same transaction).
    private func recordInterrupted(_ attempts: [Attempt], of run: Run, at now: Date) {
        for attempt in attempts where attempt.state == .running {
            LeftoverProcesses.kill(attempt: attempt.key, dataDirectory: configuration.dataDirectory)
            var finished = attempt
            finished.state = .interrupted
            finished.finishedAt = now
            finished.reason = "the daemon stopped while this attempt ran (found at restart)"
            changes.append(.finishAttempt(finished))
            changes.append(.appendLineage(LineageEvent(
                kind: .fail, time: now, attempt: attempt.key, pipeline: run.pipeline, logicalDate: run.logicalDate, error: finished.reason)))
        }
    }

    /// A run whose pipeline is gone, or lost or gained tasks, cannot be resumed: it fails, saying why.
    private func abandon(_ detail: Store.RunDetail, at now: Date) {
        let reason = "pipeline \"\(detail.run.pipeline)\" is no longer defined as it was when the run started"
        recordInterrupted(detail.attempts, of: detail.run, at: now)
        for var taskRun in detail.taskRuns where !taskRun.state.isFinished {
            taskRun.state = .cancelled
            taskRun.reason = reason
            taskRun.finishedAt = now
            save(taskRun)
        }
        var run = detail.run
        run.state = .failed
        run.note = reason
        run.finishedAt = now
        save(run)
    }
}
