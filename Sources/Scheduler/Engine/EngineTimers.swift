import Foundation
import HeapModule
import Synchronization

/// The engine's timers: a min-heap of deadlines (nomad's periodic heap) and one
/// loop that sleeps until the earliest, posting each due timer as an event.
///
/// Arming a timer later than the one being slept on costs nothing; an earlier
/// one wakes the loop so that it sleeps again until the new earliest.
final class EngineTimers: Sendable {
    private struct Entry: Comparable {
        let deadline: Date
        let sequence: Int
        let timer: EngineTimer
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.sequence) < (rhs.deadline, rhs.sequence)
        }
        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.sequence == rhs.sequence }
    }

    private struct State {
        var heap = Heap<Entry>()
        var sequence = 0
        /// The deadline the loop sleeps until, `nil` when it sleeps without one.
        var sleepingUntil: Date?
    }

    private let state = Mutex(State())
    private let doorbell = Doorbell()
    private let clock: any SchedulerClock

    init(clock: any SchedulerClock) { self.clock = clock }

    func arm(_ timer: EngineTimer, at deadline: Date) {
        let wake: Bool = state.withLock { state in
            state.sequence += 1
            state.heap.insert(Entry(deadline: deadline, sequence: state.sequence, timer: timer))
            guard let sleeping = state.sleepingUntil else { return true }
            return deadline < sleeping
        }
        if wake { doorbell.ring() }
    }

    /// Number of armed timers, for metrics and tests.
    var count: Int { state.withLock { $0.heap.count } }

    /// Posts due timers to `post` until the task is cancelled.
    func run(post: @Sendable (EngineTimer) -> Void) async {
        while !Task.isCancelled {
            let now = clock.now()
            let (due, next): ([EngineTimer], Date?) = state.withLock { state in
                var due: [EngineTimer] = []
                while let first = state.heap.min, first.deadline <= now {
                    due.append(state.heap.removeMin().timer)
                }
                state.sleepingUntil = state.heap.min?.deadline
                return (due, state.sleepingUntil)
            }
            due.forEach(post)
            if !due.isEmpty { continue }
            await sleep(until: next)
        }
    }

    private func sleep(until deadline: Date?) async {
        let clock = self.clock
        let doorbell = self.doorbell
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { try? await clock.sleep(until: deadline) }
            }
            group.addTask { await doorbell.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
