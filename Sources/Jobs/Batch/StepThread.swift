import Foundation
import Synchronization

/// Whether the attempt running a batch step was stopped (timeout, cancel, shutdown): the step's thread checks it
/// between chunks of work, as a task checks its cancellation.
final class StepStop: Sendable {
    private let stopped = Atomic<Bool>(false)

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// - Throws: `CancellationError` once stopped.
    func check() throws {
        if stopped.load(ordering: .relaxed) { throw CancellationError() }
    }
}

/// Runs a batch step on a thread of its own: its file work (and, with WebHDFS, its network calls) takes seconds to
/// minutes, and on Swift's cooperative pool (two threads on a 2-core machine) it would hold one of them from the
/// engine and the web server all that time.
enum StepThread {
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable (StepStop) throws -> T) async throws -> T {
        let stop = StepStop()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread { continuation.resume(with: Result { try body(stop) }) }
                thread.name = name
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onCancel: {
            stop.stop()
        }
    }
}
