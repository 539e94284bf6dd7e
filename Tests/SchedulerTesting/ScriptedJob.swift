import Foundation
public import Scheduler
import Synchronization

/// A job whose attempts do what the test scripted: fail a number of times, then
/// succeed; or block until released. It records each attempt it saw.
public struct ScriptedJob: JobKind {
    public struct Settings: Decodable, Sendable {
        /// Name of the script in `ScriptedJob.scripts`.
        public var script: String
    }
    public static let kindName = "scripted"
    let script: Script

    public init(settings: Settings) throws {
        guard let script = Self.scripts.withLock({ $0[settings.script] }) else {
            throw JobSettingsError("no script named \(settings.script)")
        }
        self.script = script
    }

    public init(_ script: Script) { self.script = script }

    /// Scripts that YAML-defined tasks refer to by name.
    static let scripts = Mutex<[String: Script]>([:])

    /// Makes `script` available to YAML tasks as `with: {script: name}`.
    public static func register(_ script: Script, as name: String) {
        scripts.withLock { $0[name] = script }
    }

    public func run(in context: JobContext) async throws {
        let number = script.begin(context.attempt)
        if number <= script.failures { throw JobFailure("scripted failure \(number)") }
        if script.blocks { try await script.gate.wait() }
    }

    /// What the attempts do, and what they saw.
    public final class Script: Sendable {
        public let failures: Int
        public let blocks: Bool
        let gate = Gate()
        private let seen = Mutex<[AttemptKey]>([])

        public init(failures: Int = 0, blocks: Bool = false) {
            self.failures = failures
            self.blocks = blocks
        }

        func begin(_ attempt: AttemptKey) -> Int {
            seen.withLock {
                $0.append(attempt)
                return $0.count
            }
        }

        public var attempts: [AttemptKey] { seen.withLock { $0 } }
        /// Lets blocked attempts finish (successfully).
        public func release() { gate.open() }
    }
}

/// Closed until opened; a waiter throws `CancellationError` when cancelled.
final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [UUID: CheckedContinuation<Void, any Error>] = [:]
    }
    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let proceed: Bool = state.withLock { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if proceed { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
