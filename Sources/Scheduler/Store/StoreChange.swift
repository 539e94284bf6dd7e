/// One write the engine asks of the store. A batch of them is applied in one
/// transaction, *before* the engine acts on them (DESIGN.md: write, then act).
public enum StoreChange: Sendable {
    /// A new run and all its task runs.
    case createRun(Run, taskRuns: [TaskRun])
    /// A run's state and times.
    case updateRun(Run)
    /// A task run's state, counters, reason and times.
    case updateTaskRun(TaskRun)
    case startAttempt(Attempt)
    case finishAttempt(Attempt)
    /// A pipeline's paused flag, last scheduled instant and load error.
    case savePipeline(PipelineState)
    /// The audit entry of the request whose changes share this batch's transaction.
    case appendAudit(AuditRecord)
    /// An OpenLineage event of an attempt, written with the state change it describes.
    case appendLineage(LineageEvent)
    /// An alert for the outbox, written with the state change that caused it.
    case appendAlert(AlertDraft)
    /// How many alerts of a throttle key (`pipeline|task|event`) are held back now (0: none, the row goes).
    case setAlertsHeldBack(key: String, count: Int)
}
