/// How one attempt ended.
public enum AttemptOutcome: Sendable, Equatable {
    case succeeded
    case failed(reason: String, exitCode: Int32?)
    case timedOut(limit: Duration)
    case cancelled(reason: String)
    /// The daemon stopped while the attempt ran (found at restart).
    case interrupted(reason: String)

    /// The attempt row's state.
    public var state: AttemptState {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        case .interrupted: .interrupted
        }
    }

    /// What a person reads in the panel and CLI.
    public var reason: String? {
        switch self {
        case .succeeded: nil
        case .failed(let reason, _): reason
        case .timedOut(let limit): "timed out after \(DurationText.format(limit))"
        case .cancelled(let reason): reason
        case .interrupted(let reason): reason
        }
    }

    public var exitCode: Int32? {
        if case .failed(_, let code) = self { return code }
        return nil
    }
}

/// Why the engine asks a running attempt to stop.
public enum StopReason: Sendable, Equatable {
    case timeout(Duration)
    case cancelled(String)
    case shutdown

    var outcome: AttemptOutcome {
        switch self {
        case .timeout(let limit): .timedOut(limit: limit)
        case .cancelled(let reason): .cancelled(reason: reason)
        case .shutdown: .interrupted(reason: "the daemon shut down while the attempt ran")
        }
    }
}
