import Connectors
import Foundation
import Glibc
import Synchronization
import Testing

/// A thread's priority is its own: raising one thread's leaves the others' as they were.
@Suite struct ThreadPriorityTests {
    private static func nice() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func aThreadsNiceIsItsOwn() {
        let before = Self.nice()
        let seen = Mutex<(granted: Bool, nice: Int32)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // Lowering a priority (a higher nice) is allowed to anyone.
            let granted = ThreadPriority.setNice(before + 5)
            seen.withLock { $0 = (granted, Self.nice()) }
            done.signal()
        }
        done.wait()
        #expect(seen.withLock { $0?.granted } == true)
        #expect(seen.withLock { $0?.nice } == before + 5)
        #expect(Self.nice() == before)
    }
}
