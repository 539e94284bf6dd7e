/// One task of a pipeline, as its file defines it. Immutable: run state lives in the store.
public struct TaskSpec: Sendable {
    public let id: TaskID
    /// The job kind's name, as written after `kind:`.
    public let kind: String
    /// The job, built once by its kind from the task's `with:` settings when the file was loaded.
    public let job: any JobKind
    public let needs: [TaskID]
    public let triggerRule: TriggerRule
    public let retry: RetryPolicy
    /// `nil` means no limit.
    public let timeout: Duration?
    /// A long-running worker: supervised, and restarted with backoff whenever it exits.
    public let isService: Bool
    /// Where the task is defined, for messages.
    public let line: Int

    public init(
        id: TaskID, kind: String, job: any JobKind, needs: [TaskID] = [], triggerRule: TriggerRule = .allSuccess,
        retry: RetryPolicy = RetryPolicy(), timeout: Duration? = nil, isService: Bool = false, line: Int = 0
    ) {
        self.id = id
        self.kind = kind
        self.job = job
        self.needs = needs
        self.triggerRule = triggerRule
        self.retry = retry
        self.timeout = timeout
        self.isService = isService
        self.line = line
    }
}
