public import Foundation

/// One execution of a pipeline for a logical date, as the store holds it.
public struct Run: Sendable, Equatable, Identifiable {
    public var id: RunID
    public var pipeline: PipelineID
    public var trigger: RunTrigger
    /// The instant the run stands for: its cron instant, backfill date, or trigger time.
    public var logicalDate: Date
    public var state: RunState
    public var params: [String: ParamValue]
    public var idempotencyKey: String?
    /// The digest of the pipeline definition the run uses.
    public var digest: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why the run is in its state, when that needs saying (cancelled by whom, recovered after a crash).
    public var note: String?
    /// Who asked for the run by hand; nil for the scheduler's runs.
    public var triggeredBy: String?
    /// What people wrote on the run (why it was triggered, what was found). Only people change it, through
    /// `Store.setComment`; the engine's writes leave it alone.
    public var comment: String?

    public init(
        id: RunID, pipeline: PipelineID, trigger: RunTrigger, logicalDate: Date, state: RunState,
        params: [String: ParamValue] = [:], idempotencyKey: String? = nil, digest: String = "",
        createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, note: String? = nil,
        triggeredBy: String? = nil, comment: String? = nil
    ) {
        self.id = id
        self.pipeline = pipeline
        self.trigger = trigger
        self.logicalDate = logicalDate
        self.state = state
        self.params = params
        self.idempotencyKey = idempotencyKey
        self.digest = digest
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.note = note
        self.triggeredBy = triggeredBy
        self.comment = comment
    }
}

/// One task of one run, as the store holds it.
public struct TaskRun: Sendable, Equatable {
    public var key: TaskRunKey
    public var state: TaskRunState
    /// Attempts that count against the task's retries.
    public var tries: Int
    /// Attempt numbers used so far (interruptions by a shutdown use one but do not count as a try).
    public var attempts: Int
    public var reason: String?
    /// When an `up_for_retry` task may be queued again.
    public var retryAt: Date?
    /// When it last became ready to start (its upstream done, or its retry due): the wait for a slot starts here.
    public var queuedAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        key: TaskRunKey, state: TaskRunState, tries: Int = 0, attempts: Int = 0, reason: String? = nil,
        retryAt: Date? = nil, queuedAt: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil
    ) {
        self.key = key
        self.state = state
        self.tries = tries
        self.attempts = attempts
        self.reason = reason
        self.retryAt = retryAt
        self.queuedAt = queuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One attempt of a task run.
public struct Attempt: Sendable, Equatable {
    public var key: AttemptKey
    public var state: AttemptState
    /// When its task run became ready for it; `startedAt - queuedAt` is the wait for a slot (a Gantt's grey part).
    public var queuedAt: Date?
    public var startedAt: Date
    public var finishedAt: Date?
    public var exitCode: Int32?
    public var reason: String?
    public var logPath: String

    public init(
        key: AttemptKey, state: AttemptState, queuedAt: Date? = nil, startedAt: Date, finishedAt: Date? = nil,
        exitCode: Int32? = nil, reason: String? = nil, logPath: String
    ) {
        self.key = key
        self.state = state
        self.queuedAt = queuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.reason = reason
        self.logPath = logPath
    }
}

/// A pipeline's state in the store: what survives restarts.
public struct PipelineState: Sendable, Equatable {
    public var id: PipelineID
    public var paused: Bool
    /// The latest cron instant a scheduled run was created for; catch-up starts after it.
    public var lastScheduledAt: Date?
    /// What was wrong with the file's latest change, when it is broken.
    public var loadError: String?

    public init(id: PipelineID, paused: Bool = false, lastScheduledAt: Date? = nil, loadError: String? = nil) {
        self.id = id
        self.paused = paused
        self.lastScheduledAt = lastScheduledAt
        self.loadError = loadError
    }
}
