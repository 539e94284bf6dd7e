/// Where a run is in its life.
public enum RunState: String, Sendable, Codable, CaseIterable {
    /// Created, waiting for a slot under the pipeline's `max_active_runs`.
    case queued
    case running
    case succeeded
    case failed
    case cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// Where a task run is: `pending → queued → running → succeeded | failed |
/// up_for_retry → queued … | skipped | cancelled` (DESIGN.md).
public enum TaskRunState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its upstream tasks.
    case pending
    /// Ready, waiting for a slot under the concurrency limits.
    case queued
    case running
    case succeeded
    case failed
    /// Failed with retries left: waits out its backoff, then is queued again.
    case upForRetry = "up_for_retry"
    /// Not run: its trigger rule cannot be met.
    case skipped
    case cancelled

    public var isFinished: Bool {
        switch self {
        case .succeeded, .failed, .skipped, .cancelled: true
        case .pending, .queued, .running, .upForRetry: false
        }
    }
}

/// How an attempt row ended, or that it still runs.
public enum AttemptState: String, Sendable, Codable, CaseIterable {
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled
    case interrupted
}

/// Why a run exists.
public enum RunTrigger: String, Sendable, Codable, CaseIterable {
    /// A cron instant of the pipeline's schedule, created on time or by catch-up.
    case schedule
    case backfill
    /// A person or CI, with optional params and idempotency key.
    case manual
    /// The run that holds a pipeline's long-running service tasks.
    case service
}
