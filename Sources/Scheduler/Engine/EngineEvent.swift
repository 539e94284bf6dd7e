public import Foundation

/// Something that happened, which the engine's loop reacts to.
enum EngineEvent: Sendable {
    case trigger(TriggerRequest, reply: Reply<TriggerResult>)
    case backfill(BackfillRequest, reply: Reply<[Run]>)
    case cancelRun(RunID, by: String, reply: Reply<Run>)
    case rerun(RunID, from: TaskID?, reply: Reply<Run>)
    case mark(RunID, TaskID, TaskRunState, by: String, reply: Reply<Run>)
    case setPaused(PipelineID, Bool, reply: Reply<PipelineState>)
    case pipelinesLoaded(PipelineLoader.DirectoryResult)
    case attemptFinished(AttemptKey, AttemptResult, at: Date)
    case timerFired(EngineTimer)
    /// Graceful shutdown: stop taking work, stop running attempts, end the loop.
    case shutdown
}

/// A timer the engine arms; when it fires it comes back as an event.
enum EngineTimer: Sendable, Hashable {
    /// A cron instant of a pipeline; `generation` tells a current timer from one of an older definition.
    case cron(PipelineID, Date, generation: Int)
    /// An `up_for_retry` task (or a service to restart) whose backoff ends.
    case retry(TaskRunKey)
    case timeout(AttemptKey, limit: Duration)
    /// A run's `deadline` after its logical date (`deadline_missed` when it has not finished by then).
    case deadline(RunID)
    /// The end of a graceful shutdown's grace period.
    case drainDeadline
}

/// The answer to a request event, given once the changes it made are in the store; with the request's audit
/// record, which a success commits in the same transaction as those changes.
struct Reply<Value: Sendable>: Sendable {
    private let continuation: CheckedContinuation<Result<Value, EngineError>, Never>
    let audit: AuditRecord?

    init(_ continuation: CheckedContinuation<Result<Value, EngineError>, Never>, audit: AuditRecord? = nil) {
        self.continuation = continuation
        self.audit = audit
    }

    func callAsFunction(_ result: Result<Value, EngineError>) { continuation.resume(returning: result) }
}

/// A request for a manual run.
public struct TriggerRequest: Sendable {
    public var pipeline: PipelineID
    public var params: [String: ParamValue]
    /// The same key for the same pipeline returns the same run instead of creating another.
    public var idempotencyKey: String?
    /// Defaults to the moment of the trigger.
    public var logicalDate: Date?
    /// Who asked, for the run's note.
    public var requestedBy: String?
    /// Why, in the asker's words: the run's first comment.
    public var comment: String?

    public init(
        pipeline: PipelineID, params: [String: ParamValue] = [:], idempotencyKey: String? = nil, logicalDate: Date? = nil,
        requestedBy: String? = nil, comment: String? = nil
    ) {
        self.pipeline = pipeline
        self.params = params
        self.idempotencyKey = idempotencyKey
        self.logicalDate = logicalDate
        self.requestedBy = requestedBy
        self.comment = comment
    }
}

/// The run a trigger made, or found by its idempotency key.
public struct TriggerResult: Sendable {
    public let run: Run
    /// `false` when the idempotency key returned an existing run.
    public let created: Bool
}

/// A request for runs at every cron instant of a date range.
public struct BackfillRequest: Sendable {
    public var pipeline: PipelineID
    public var from: Date
    public var to: Date
    public var params: [String: ParamValue]

    public init(pipeline: PipelineID, from: Date, to: Date, params: [String: ParamValue] = [:]) {
        self.pipeline = pipeline
        self.from = from
        self.to = to
        self.params = params
    }
}
