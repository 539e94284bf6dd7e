import Synchronization

/// An audit event travelling with the change it records, to be written in the same SQLite transaction: the
/// change and its entry in the trail are both in the store or neither is. Whoever commits it marks it written;
/// an event nobody committed (the request changed nothing) is written on its own afterwards.
public final class AuditRecord: Sendable {
    private let state: Mutex<(event: AuditEvent, written: Bool)>

    public init(_ event: AuditEvent) {
        state = Mutex((event, false))
    }

    public var event: AuditEvent { state.withLock { $0.event } }

    /// Names the target precisely once the handler knows it (which user, role, scope; what changed).
    public func describe(_ target: String) {
        state.withLock { $0.event.target = target }
    }

    /// Whether a transaction holding it has committed.
    public var isWritten: Bool { state.withLock { $0.written } }

    func markWritten() { state.withLock { $0.written = true } }
}
