import Foundation

/// What the CLI, the web server and tests ask of the engine. Each request goes
/// through the engine's loop and is answered once its changes are in the store.
/// A request's `audit` record, when given, is committed with those changes when
/// the request succeeds (and left unwritten when it is refused).
extension Engine {
    /// Creates a manual run, or returns the one its idempotency key already made.
    public nonisolated func trigger(_ request: TriggerRequest, audit: AuditRecord? = nil) async throws(EngineError) -> TriggerResult {
        try await ask(audit) { .trigger(request, reply: $0) }
    }

    /// Creates a run for every cron instant in `from…to` that has none yet.
    public nonisolated func backfill(_ request: BackfillRequest, audit: AuditRecord? = nil) async throws(EngineError) -> [Run] {
        try await ask(audit) { .backfill(request, reply: $0) }
    }

    /// Cancels a run: queued tasks are cancelled, running attempts are stopped.
    public nonisolated func cancel(_ run: RunID, by who: String = "a user", audit: AuditRecord? = nil) async throws(EngineError) -> Run {
        try await ask(audit) { .cancelRun(run, by: who, reply: $0) }
    }

    /// Reruns, in the same run, `task` and everything downstream of it; or,
    /// when `task` is `nil`, every failed, cancelled or upstream-failed task and their downstream.
    public nonisolated func rerun(_ run: RunID, from task: TaskID? = nil, audit: AuditRecord? = nil) async throws(EngineError) -> Run {
        try await ask(audit) { .rerun(run, from: task, reply: $0) }
    }

    /// Sets a task's state by hand (`succeeded` or `failed`); a running attempt is stopped first.
    public nonisolated func mark(
        _ run: RunID, task: TaskID, as state: TaskRunState, by who: String = "a user", audit: AuditRecord? = nil
    ) async throws(EngineError) -> Run {
        try await ask(audit) { .mark(run, task, state, by: who, reply: $0) }
    }

    /// Pauses (no new scheduled runs, services stopped) or unpauses (catch-up, services restarted).
    public nonisolated func setPaused(_ pipeline: PipelineID, _ paused: Bool, audit: AuditRecord? = nil)
        async throws(EngineError) -> PipelineState
    {
        try await ask(audit) { .setPaused(pipeline, paused, reply: $0) }
    }

    /// Hands the engine a fresh load of `jobs.d` (the watcher calls this on every change).
    public nonisolated func reload(_ result: PipelineLoader.DirectoryResult) {
        inbox.post(.pipelinesLoaded(result))
    }

    /// Everything the engine records from now on, as it happens.
    public nonisolated func notifications(buffer: Int = 10_000) -> AsyncStream<EngineNotification> {
        hub.subscribe(buffer: buffer)
    }

    /// The pipelines as loaded now, with their stored state.
    public func pipelineList() -> [(pipeline: Pipeline, state: PipelineState)] {
        pipelines.values.sorted { $0.id < $1.id }.map { ($0, states[$0.id] ?? PipelineState(id: $0.id)) }
    }

    /// Files whose latest version is broken, with what is wrong with them.
    public func brokenFiles() -> [String: [Diagnostic]] { loadFailures }

    /// Counts for metrics and the status line.
    public func status() -> (activeRuns: Int, runningAttempts: Int, queuedTasks: Int, timers: Int) {
        (runs.count, running.count, admission.queuedCount, timers.count)
    }

    private nonisolated func ask<Value: Sendable>(
        _ audit: AuditRecord?, _ make: (Reply<Value>) -> EngineEvent
    ) async throws(EngineError) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, EngineError>, Never>) in
            if !inbox.post(make(Reply(continuation, audit: audit))) {
                continuation.resume(returning: .failure(.shuttingDown))
            }
        }
        return try result.get()
    }
}
