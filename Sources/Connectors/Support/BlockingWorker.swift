import Dispatch
import Foundation
import Synchronization

/// A thread of its own for a C client's blocking calls (a consumer's poll, a producer's flush), so that they never
/// hold one of the few threads of Swift's cooperative pool: on two cores, two blocked polls would stop every task
/// of the daemon. Calls run one at a time, in the order given.
public final class BlockingWorker: Sendable {
    private typealias Job = @Sendable () -> Void

    /// What the thread and the callers share.
    private final class Queue: Sendable {
        let jobs = Mutex<[Job?]>([])
        let ready = DispatchSemaphore(value: 0)
    }

    private let queue = Queue()

    /// Starts the thread; `name` shows in debuggers and `top -H`.
    public init(name: String) {
        let thread = Thread { [queue] in
            while true {
                queue.ready.wait()
                let next = queue.jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                guard let job = next else { return }  // nil: stop
                job()
            }
        }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the worker's thread and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the worker's thread without waiting for it.
    public func submit(_ body: @escaping @Sendable () -> Void) {
        queue.jobs.withLock { $0.append(body) }
        queue.ready.signal()
    }

    /// Ends the thread once the calls already given have run.
    public func stop() {
        queue.jobs.withLock { $0.append(nil) }
        queue.ready.signal()
    }
}
