import Foundation
@testable import Scheduler
import Testing

/// The one table of how a task run moves on when its attempt ends, row by row.
@Suite struct TaskRunTransitionsTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)
    private let running = TaskRun(key: TaskRunKey(run: RunID(1), task: TaskID("t")), state: .running, tries: 1, attempts: 1)

    private func task(retries: Int, service: Bool = false) -> TaskSpec {
        TaskSpec(
            id: TaskID("t"), kind: "noop", job: NoopJob(settings: .init()), retry: RetryPolicy(retries: retries, backoff: .seconds(10)), isService: service)
    }

    private func next(_ end: TaskRunTransitions.End, tries: Int = 1, retries: Int, service: Bool = false) -> TaskRun {
        var taskRun = running
        taskRun.tries = tries
        return TaskRunTransitions.next(after: end, of: taskRun, task: task(retries: retries, service: service), jitter: 0, at: now)
    }

    @Test func aFailureRetriesWithBackoffWhileRetriesRemainThenFails() {
        let failed = AttemptOutcome.failed(reason: "exit 1", exitCode: 1)
        let retrying = next(.finished(failed, runCancelled: false), retries: 2)
        #expect(retrying.state == .upForRetry && retrying.retryAt! > now && retrying.reason == "exit 1")
        let exhausted = next(.finished(failed, runCancelled: false), tries: 3, retries: 2)
        #expect(exhausted.state == .failed && exhausted.finishedAt == now)
    }

    @Test func aCrashCountsAsATryAndRetriesAtOnceTheSameRuleDecides() {
        let retrying = next(.lostInCrash, retries: 1)
        #expect(retrying.state == .upForRetry && retrying.retryAt == now)
        #expect(retrying.reason == "interrupted: the daemon stopped while attempt 1 ran; retrying")
        let exhausted = next(.lostInCrash, tries: 2, retries: 1)
        #expect(exhausted.state == .failed && exhausted.reason == "interrupted: the daemon stopped while attempt 1 ran; no retries left")
        #expect(next(.lostInCrash, tries: 9, retries: 0, service: true).state == .upForRetry, "a service always comes back")
    }

    @Test func aShutdownGivesTheTryBackAndACancelEndsIt() {
        let interrupted = next(.finished(.interrupted(reason: "shutdown"), runCancelled: false), retries: 0)
        #expect(interrupted.state == .queued && interrupted.tries == 0)
        let cancelled = next(.finished(.failed(reason: "killed", exitCode: 137), runCancelled: true), retries: 5)
        #expect(cancelled.state == .cancelled && cancelled.finishedAt == now)
        #expect(next(.finished(.succeeded, runCancelled: false), retries: 0).state == .succeeded)
        let service = next(.finished(.succeeded, runCancelled: false), retries: 0, service: true)
        #expect(service.state == .upForRetry && service.reason == "service exited; restarting")
    }
}
