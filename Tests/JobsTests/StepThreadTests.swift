import Dispatch
import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// Batch steps run on threads of their own: however many block, the cooperative pool stays free, and a cancelled
/// attempt stops its step at the step's next check.
@Suite(.timeLimit(.minutes(1))) struct StepThreadTests {
    @Test func blockedStepsLeaveTheCooperativePoolFree() async throws {
        // More blocked steps than the pool has threads: the release below runs on the pool, so it could never come
        // if the steps held its threads.
        let gate = DispatchSemaphore(value: 0)
        let steps = ProcessInfo.processInfo.activeProcessorCount + 2
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<steps {
                group.addTask { try await StepThread.run("blocked-\(index)") { _ in gate.wait(); return index } }
            }
            let released = await Task { for _ in 0..<steps { gate.signal() }; return steps }.value
            var finished = 0
            for try await _ in group { finished += 1 }
            #expect(finished == released)
        }
    }

    @Test func aCancelledStepStopsAtItsNextCheck() async throws {
        let running = DispatchSemaphore(value: 0)
        let step = Task {
            try await StepThread.run("endless") { stop in
                running.signal()
                while true { try stop.check(); sched_yield() }  // works until stopped, giving way between checks
            }
        }
        try await onThread { running.wait() }
        step.cancel()
        await #expect(throws: CancellationError.self) { try await step.value }
    }

    @Test func aStepsErrorAndResultComeBack() async throws {
        #expect(try await StepThread.run("value") { _ in 42 } == 42)
        await #expect(throws: JobFailureProbe.self) { try await StepThread.run("failing") { _ in throw JobFailureProbe() } }
    }

    private struct JobFailureProbe: Error {}
}
