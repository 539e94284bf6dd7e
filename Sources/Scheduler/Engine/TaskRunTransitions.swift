import Foundation

/// How a task run moves on when its attempt ends: the one table of those transitions, and so the one place the
/// retry rule is decided. The engine asks it when an attempt finishes and when recovery finds an attempt a crash
/// cut short. Pure: the state, the task's settings, the jitter and the time in, the next state out.
enum TaskRunTransitions {
    /// How the attempt ended.
    enum End: Equatable {
        /// It ran to an outcome; `runCancelled` when its run was cancelled meanwhile.
        case finished(AttemptOutcome, runCancelled: Bool)
        /// The daemon died while it ran (found at restart): it counts as a try, and retries at once.
        case lostInCrash
    }

    static func next(after end: End, of taskRun: TaskRun, task: TaskSpec, jitter: Double, at now: Date) -> TaskRun {
        var next = taskRun
        switch end {
        case .lostInCrash:
            let why = "interrupted: the daemon stopped while attempt \(taskRun.attempts) ran"
            if task.isService || task.retry.allowsRetry(after: taskRun.tries) {
                retry(&next, reason: why + "; retrying", at: now)
            } else {
                finish(&next, .failed, reason: why + "; no retries left", at: now)
            }
        case .finished(.interrupted(let reason), _):
            // A shutdown is not the task's fault: it runs again at restart without using a retry.
            next.state = .queued
            next.queuedAt = now
            next.tries = max(0, taskRun.tries - 1)
            next.reason = reason
        case .finished(let outcome, runCancelled: true):
            finish(&next, .cancelled, reason: outcome.reason ?? "the run was cancelled", at: now)
        case .finished(.cancelled(let reason), _):
            finish(&next, .cancelled, reason: reason, at: now)
        case .finished(let outcome, _) where task.isService:
            // A service is restarted whenever it exits, with the task's backoff.
            let reason = outcome.reason.map { "service exited: \($0); restarting" } ?? "service exited; restarting"
            retry(&next, reason: reason, at: now.addingTimeInterval(task.retry.delay(beforeRetry: taskRun.tries, jitter: jitter).seconds))
        case .finished(.succeeded, _):
            finish(&next, .succeeded, reason: nil, at: now)
        case .finished(let outcome, _):
            if task.retry.allowsRetry(after: taskRun.tries) {
                retry(&next, reason: outcome.reason, at: now.addingTimeInterval(task.retry.delay(beforeRetry: taskRun.tries, jitter: jitter).seconds))
            } else {
                finish(&next, .failed, reason: outcome.reason, at: now)
            }
        }
        return next
    }

    private static func retry(_ taskRun: inout TaskRun, reason: String?, at when: Date) {
        taskRun.state = .upForRetry
        taskRun.reason = reason
        taskRun.retryAt = when
    }

    private static func finish(_ taskRun: inout TaskRun, _ state: TaskRunState, reason: String?, at now: Date) {
        taskRun.state = state
        taskRun.reason = reason
        taskRun.finishedAt = now
    }
}
