import Foundation

/// Runs CPU-heavy or blocking test work on a thread of its own and waits for it: Swift's cooperative pool has one
/// thread per core (two here), and a test that computes for seconds on it starves every other test's tasks
/// (engine tests then time out waiting for runs that never got a thread).
public func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}
