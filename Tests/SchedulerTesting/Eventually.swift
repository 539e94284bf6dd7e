public import Foundation

/// Waits until `condition` holds, checking every few milliseconds, and fails after `seconds`.
/// The house rule: wait for the condition with a deadline, never for a fixed time. The default deadline is there to
/// catch a hang, not to time anything: 30 s, since the full suite's first seconds on 2 cores (dozens of suites
/// starting daemons, brokers and Python peers at once) once held a test that needs milliseconds for over 10 s.
public func eventually(
    within seconds: Double = 30, _ what: @autoclosure () -> String = "the condition",
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))  // poll interval, bounded by the deadline above
    }
    if try await condition() { return }
    throw TimedOut(what: what(), seconds: seconds)
}

/// A wait that ran out of time.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double
    public var description: String { "timed out after \(seconds) s waiting for \(what)" }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ prefix: String = "autooptimize-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }
    public func appending(_ component: String) -> URL { url.appendingPathComponent(component) }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
