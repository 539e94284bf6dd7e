public import Foundation

/// Where the engine reads the time and waits for it: injected, so that tests
/// control time instead of sleeping (STYLE 3.1 principle 5).
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Suspends until `deadline`; throws `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The wall clock.
public struct SystemClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 { try await Task.sleep(for: .milliseconds(Int64((interval * 1000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}
