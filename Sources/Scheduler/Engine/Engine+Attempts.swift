import Foundation
import Logging

// MARK: - Attempts: admission, launch, outcome, retries and timeouts

extension Engine {
    /// Starts every queued task run the limits allow.
    func admitQueued() {
        for (pipeline, key) in admission.admit() {
            if !startAttempt(key) { admission.finished(pipeline: pipeline) }
        }
    }

    /// Records a new attempt and plans its launch; `false` when the task run is no longer waiting to start.
    private func startAttempt(_ key: TaskRunKey) -> Bool {
        guard let active = runs[key.run], let index = active.index(of: key.task), active.taskRuns[index].state == .queued else {
            return false
        }
        let now = clock.now()
        let taskRun = active.update(index) {
            $0.attempts += 1
            $0.tries += 1
            $0.state = .running
            $0.reason = nil
            $0.retryAt = nil
            $0.startedAt = $0.startedAt ?? now
        }

        let attemptKey = AttemptKey(taskRun: key, number: taskRun.attempts)
        let attempt = Attempt(
            key: attemptKey, state: .running, queuedAt: taskRun.queuedAt, startedAt: now, logPath: logPath(active.run, attemptKey))
        let signal = AttemptStopSignal()
        running[attemptKey] = RunningAttempt(attempt: attempt, signal: signal, pipeline: active.run.pipeline)
        save(taskRun)
        changes.append(.startAttempt(attempt))
        changes.append(.appendLineage(LineageEvent(
            kind: .start, time: now, attempt: attemptKey, pipeline: active.run.pipeline, logicalDate: active.run.logicalDate)))
        notifications.append(.attemptStarted(attempt, pipeline: active.run.pipeline))

        let task = active.pipeline.tasks[index]
        actions.append(.launch(AttemptRequest(
            key: attemptKey, pipeline: active.run.pipeline, job: task.job, logicalDate: active.run.logicalDate,
            params: active.run.params, logPath: attempt.logPath, stop: signal)))
        if let timeout = task.timeout, !task.isService {
            arm(.timeout(attemptKey, limit: timeout), at: now.addingTimeInterval(timeout.seconds))
        }
        return true
    }

    func logPath(_ run: Run, _ key: AttemptKey) -> String {
        configuration.dataDirectory
            .appendingPathComponent("logs/\(run.pipeline)/\(run.id)/\(key.taskRun.task).\(key.number).log").path
    }

    /// Records how an attempt ended and moves its task run on: done, retry, restart (services) or failed.
    func handleFinished(_ key: AttemptKey, _ outcome: AttemptOutcome, report: AttemptReport = AttemptReport(), at now: Date) {
        guard let finished = running.removeValue(forKey: key) else { return }
        admission.finished(pipeline: finished.pipeline)
        var attempt = finished.attempt
        attempt.state = outcome.state
        attempt.finishedAt = now
        attempt.exitCode = outcome.exitCode
        attempt.reason = outcome.reason
        changes.append(.finishAttempt(attempt))
        if let run = runs[key.taskRun.run]?.run {
            changes.append(.appendLineage(LineageEvent(
                kind: attempt.state == .succeeded ? .complete : .fail, time: now, attempt: key, pipeline: finished.pipeline,
                logicalDate: run.logicalDate, inputs: report.inputs, outputs: report.outputs,
                error: attempt.state == .succeeded ? nil : outcome.reason ?? attempt.state.rawValue)))
        }
        notifications.append(.attemptFinished(attempt, pipeline: finished.pipeline))
        logAttempt(attempt, pipeline: finished.pipeline)
        metrics.attemptFinished(pipeline: finished.pipeline, state: attempt.state, seconds: now.timeIntervalSince(attempt.startedAt))

        guard let active = runs[key.taskRun.run], let index = active.index(of: key.taskRun.task) else { return }
        let task = active.pipeline.tasks[index]
        let mark = active.marks.removeValue(forKey: index)
        let runCancelled = active.run.state == .cancelled
        let jitter = configuration.jitter()
        let taskRun = active.update(index) { taskRun in
            if let mark {
                taskRun.state = mark
                taskRun.reason = outcome.reason
                taskRun.finishedAt = now
            } else {
                taskRun = TaskRunTransitions.next(
                    after: .finished(outcome, runCancelled: runCancelled), of: taskRun, task: task, jitter: jitter, at: now)
            }
        }
        save(taskRun)
        if taskRun.state == .upForRetry, let retryAt = taskRun.retryAt {
            arm(.retry(taskRun.key), at: retryAt)
            if task.isService, !runCancelled { noteServiceRestart(active, task: task.id, reason: outcome.reason, at: now) }
        }
        if taskRun.state == .failed, mark == nil {
            raise(.taskFailed, in: active, task: key.taskRun.task, attempt: key.number, error: outcome.reason ?? attempt.state.rawValue, at: now)
        }
        settle(key.taskRun.run, after: index)
    }

    private func logAttempt(_ attempt: Attempt, pipeline: PipelineID) {
        let metadata: Logger.Metadata = [
            LogKey.pipeline: "\(pipeline)", LogKey.task: "\(attempt.key.taskRun.task)",
            LogKey.run: "\(attempt.key.taskRun.run)", LogKey.attempt: "\(attempt.key.number)",
        ]
        if attempt.state == .succeeded {
            logger.debug("attempt succeeded", metadata: metadata)
        } else {
            logger.warning(
                "attempt did not succeed",
                metadata: metadata.merging(["state": "\(attempt.state.rawValue)", LogKey.reason: "\(attempt.reason ?? "")"]) { $1 })
        }
    }

    func handleTimer(_ timer: EngineTimer) {
        switch timer {
        case .cron(let pipeline, let instant, let generation):
            guard cronGenerations[pipeline] == generation else { return }
            fireCron(pipeline, at: instant)
        case .retry(let key):
            guard let active = runs[key.run], let index = active.index(of: key.task),
                active.taskRuns[index].state == .upForRetry
            else { return }
            if let retryAt = active.taskRuns[index].retryAt, retryAt > clock.now() {
                return arm(.retry(key), at: retryAt)
            }
            save(active.update(index) {
                $0.state = .queued
                $0.queuedAt = clock.now()
                $0.retryAt = nil
            })
            admission.enqueue(key, pipeline: active.run.pipeline)
        case .timeout(let key, let limit):
            if let attempt = running[key] { actions.append(.stop(attempt.signal, .timeout(limit))) }
        case .deadline(let id):
            reportMissedDeadline(id)
        case .drainDeadline:
            interruptRemaining()
        }
    }
}
