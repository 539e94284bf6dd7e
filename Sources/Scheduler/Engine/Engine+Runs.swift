import DequeModule
import Logging
import Foundation

// MARK: - Runs: creating, starting, finishing, and the requests that act on them

extension Engine {
    /// Creates a run and its pending task runs; it starts at once when the pipeline has a free run slot.
    @discardableResult
    func createRun(
        _ pipeline: Pipeline, trigger: RunTrigger, logicalDate: Date, params: [String: ParamValue],
        idempotencyKey: String? = nil, note: String? = nil, triggeredBy: String? = nil, comment: String? = nil
    ) -> Run {
        let now = clock.now()
        let id = RunID(nextRunID)
        nextRunID += 1
        let run = Run(
            id: id, pipeline: pipeline.id, trigger: trigger, logicalDate: logicalDate, state: .queued, params: params,
            idempotencyKey: idempotencyKey, digest: pipeline.source.digest, createdAt: now, note: note,
            triggeredBy: triggeredBy, comment: comment)
        let active = ActiveRun(run: run, pipeline: pipeline, taskRuns: ActiveRun.pendingTaskRuns(of: pipeline, run: id))
        changes.append(.createRun(run, taskRuns: active.taskRuns))
        runs[id] = active
        armDeadline(active)
        queuedRuns[pipeline.id, default: []].append(id)
        startQueuedRuns(of: pipeline.id)
        return runs[id]?.run ?? run
    }

    /// Starts queued runs of a pipeline while it has free run slots (service runs never wait).
    func startQueuedRuns(of pipeline: PipelineID) {
        let limit = pipelines[pipeline]?.maxActiveRuns ?? 1
        while var queue = queuedRuns[pipeline], let id = queue.first {
            guard runs[id]?.run.trigger == .service || (runningRuns[pipeline] ?? 0) < limit else { return }
            queue.removeFirst()
            queuedRuns[pipeline] = queue.isEmpty ? nil : queue
            guard let active = runs[id] else { continue }
            if active.run.trigger != .service, slotHolders.insert(id).inserted { runningRuns[pipeline, default: 0] += 1 }
            active.run.state = .running
            active.run.startedAt = clock.now()
            save(active.run)
            settle(id)
        }
    }

    /// Applies the trigger rules to a run's pending tasks (all of them, or those downstream
    /// of a task that just ended); queues the ready, finishes the run when all are done.
    func settle(_ id: RunID, after finished: Int? = nil) {
        guard let active = runs[id], active.run.state == .running || active.run.state == .cancelled else { return }
        let now = clock.now()
        let changed = finished.map { active.settle(downstreamOf: $0, now: now) } ?? active.settle(now: now)
        for index in changed {
            save(active.taskRuns[index])
            if active.taskRuns[index].state == .queued {
                admission.enqueue(active.taskRuns[index].key, pipeline: active.run.pipeline)
            }
        }
        if active.isFinished { finish(id) }
    }

    /// Records a run's end and gives its slot to the next queued run.
    func finish(_ id: RunID) {
        guard let active = runs.removeValue(forKey: id) else { return }
        if active.run.state != .cancelled { active.run.state = active.outcome }
        let now = clock.now()
        active.run.finishedAt = now
        save(active.run)
        raiseRunAlerts(active, at: now)
        if !serviceRestarts.isEmpty { serviceRestarts = serviceRestarts.filter { $0.key.run != id } }
        metrics.runFinished(
            pipeline: active.run.pipeline, state: active.run.state,
            seconds: now.timeIntervalSince(active.run.startedAt ?? active.run.createdAt))
        logger.info(
            "run finished",
            metadata: [LogKey.pipeline: "\(active.run.pipeline)", LogKey.run: "\(id)", "state": "\(active.run.state.rawValue)"])
        if slotHolders.remove(id) != nil {
            runningRuns[active.run.pipeline] = max(0, (runningRuns[active.run.pipeline] ?? 0) - 1)
        }
        queuedRuns[active.run.pipeline]?.removeAll { $0 == id }
        startQueuedRuns(of: active.run.pipeline)
    }

    // MARK: - Requests

    func handleTrigger(_ request: TriggerRequest, _ reply: Reply<TriggerResult>) {
        guard let pipeline = pipelines[request.pipeline] else {
            return self.reply(reply, .failure(.unknownPipeline(request.pipeline, known: pipelines.keys.sorted())))
        }
        // A manual run of a pipeline with a service would start a second consumer beside the one the daemon keeps.
        if let service = pipeline.tasks.first(where: \.isService) {
            return self.reply(reply, .failure(.invalidRequest(
                "pipeline \"\(pipeline.id)\" runs as a service (task \"\(service.id)\"): the daemon keeps its one run going; "
                    + "pause and unpause it to restart it")))
        }
        if let key = request.idempotencyKey {
            switch existingRun(pipeline.id, key) {
            case .failure(let error): return self.reply(reply, .failure(error))
            case .success(let existing?): return self.reply(reply, .success(TriggerResult(run: existing, created: false)))
            case .success(nil): break
            }
        }
        let params: [String: ParamValue]
        do {
            params = try pipeline.params.resolve(request.params)
        } catch {
            return self.reply(reply, .failure(.badParams(error)))
        }
        let run = createRun(
            pipeline, trigger: .manual, logicalDate: request.logicalDate ?? clock.now(), params: params,
            idempotencyKey: request.idempotencyKey, note: request.requestedBy.map { "triggered by \($0)" },
            triggeredBy: request.requestedBy, comment: request.comment)
        self.reply(reply, .success(TriggerResult(run: run, created: true)))
    }

    /// The run a key already made, if any. A store that cannot be read is an error, never "no run": a second run
    /// for the same key is what the key exists to prevent.
    private func existingRun(_ pipeline: PipelineID, _ key: String) -> Result<Run?, EngineError> {
        if let active = runs.values.first(where: { $0.run.pipeline == pipeline && $0.run.idempotencyKey == key }) {
            return .success(active.run)
        }
        do {
            return .success(try store.run(pipeline: pipeline, idempotencyKey: key))
        } catch {
            return .failure(.storeUnavailable(error.description))
        }
    }

    func handleBackfill(_ request: BackfillRequest, _ reply: Reply<[Run]>) {
        guard let pipeline = pipelines[request.pipeline] else {
            return self.reply(reply, .failure(.unknownPipeline(request.pipeline, known: pipelines.keys.sorted())))
        }
        guard let schedule = pipeline.schedule else {
            return self.reply(reply, .failure(.invalidRequest("pipeline \"\(pipeline.id)\" has no schedule to backfill")))
        }
        guard request.from <= request.to else {
            return self.reply(reply, .failure(.invalidRequest("backfill range ends before it starts")))
        }
        let params: [String: ParamValue]
        do {
            params = try pipeline.params.resolve(request.params)
        } catch {
            return self.reply(reply, .failure(.badParams(error)))
        }
        let instants = cronInstants(schedule, pipeline.timeZone, after: request.from.addingTimeInterval(-1), through: request.to)
        guard instants.count <= configuration.catchupLimit * 10 else {
            return self.reply(reply, .failure(.invalidRequest(
                "backfill would create \(instants.count)+ runs; split the range (at most \(configuration.catchupLimit * 10) at once)")))
        }
        let taken: Set<Date>
        do {
            taken = try takenDates(pipeline.id, instants)
        } catch {
            return self.reply(reply, .failure(.storeUnavailable(error.description)))
        }
        let created = instants.filter { !taken.contains($0) }.map {
            createRun(pipeline, trigger: .backfill, logicalDate: $0, params: params, note: "backfill")
        }
        self.reply(reply, .success(created))
    }

    /// Logical dates among `instants` that already have a scheduled or backfilled run.
    /// - Throws: `StoreError` when the store cannot say (the caller must not guess: a date would run twice).
    func takenDates(_ pipeline: PipelineID, _ instants: [Date]) throws(StoreError) -> Set<Date> {
        guard let first = instants.first, let last = instants.last else { return [] }
        var taken = try store.scheduledDates(pipeline: pipeline, in: first...last)
        for active in runs.values where active.run.pipeline == pipeline
            && (active.run.trigger == .schedule || active.run.trigger == .backfill)
        {
            taken.insert(active.run.logicalDate)
        }
        return taken
    }

    func handleCancel(_ id: RunID, by who: String, _ reply: Reply<Run>) {
        guard runs[id] != nil else {
            return self.reply(reply, .failure(finishedOrUnknown(id)))
        }
        let run = cancelRun(id, reason: "cancelled by \(who)")
        self.reply(reply, .success(run))
    }

    /// Cancels every unfinished task of an active run and stops its running attempts.
    @discardableResult
    func cancelRun(_ id: RunID, reason: String) -> Run {
        guard let active = runs[id] else { preconditionFailure("cancelRun called for a run that is not active") }
        let now = clock.now()
        if active.run.state == .queued {
            queuedRuns[active.run.pipeline]?.removeAll { $0 == id }
        }
        active.run.state = .cancelled
        active.run.note = reason
        for index in active.taskRuns.indices {
            switch active.taskRuns[index].state {
            case .pending, .queued, .upForRetry:
                save(active.update(index) {
                    $0.state = .cancelled
                    $0.reason = reason
                    $0.finishedAt = now
                })
            case .running:
                stopAttempts(of: active.taskRuns[index].key, .cancelled(reason))
            case .succeeded, .failed, .skipped, .cancelled:
                continue
            }
        }
        admission.removeQueued(pipeline: active.run.pipeline) { $0.run == id }
        save(active.run)
        if active.isFinished { finish(id) }
        return active.run
    }

    func stopAttempts(of key: TaskRunKey, _ reason: StopReason) {
        for (attempt, running) in running where attempt.taskRun == key {
            actions.append(.stop(running.signal, reason))
        }
    }

    func handleRerun(_ id: RunID, from task: TaskID?, _ reply: Reply<Run>) {
        let active: ActiveRun
        switch activate(id) {
        case .success(let found): active = found
        case .failure(let error): return self.reply(reply, .failure(error))
        }
        var indexes: [Int]
        if let task {
            guard let index = active.index(of: task) else {
                return self.reply(reply, .failure(.unknownTask(task, run: id, known: active.pipeline.tasks.map(\.id))))
            }
            indexes = active.graph.downstreamClosure(of: index)
        } else {
            let failed = active.taskRuns.indices.filter { active.failedLike($0) }
            indexes = Array(Set(failed.flatMap { active.graph.downstreamClosure(of: $0) })).sorted()
        }
        if let busy = indexes.first(where: { [.running, .queued, .upForRetry].contains(active.taskRuns[$0].state) }) {
            return self.reply(reply, .failure(.invalidRequest(
                "task \"\(active.pipeline.tasks[busy].id)\" of run \(id) has not finished; wait for it or cancel the run")))
        }
        indexes.removeAll { active.taskRuns[$0].state == .pending }
        guard !indexes.isEmpty else {
            return self.reply(reply, .failure(.invalidRequest("run \(id) has no failed task to rerun; name a task to rerun from")))
        }
        active.reset(indexes)
        indexes.forEach { save(active.taskRuns[$0]) }
        resume(active, note: "rerun from \(task.map { "task \($0)" } ?? "failed tasks")")
        self.reply(reply, .success(active.run))
    }

    func handleMark(_ id: RunID, _ task: TaskID, _ state: TaskRunState, by who: String, _ reply: Reply<Run>) {
        guard state == .succeeded || state == .failed else {
            return self.reply(reply, .failure(.invalidRequest("a task can be marked succeeded or failed, not \(state.rawValue)")))
        }
        let active: ActiveRun
        switch activate(id) {
        case .success(let found): active = found
        case .failure(let error): return self.reply(reply, .failure(error))
        }
        guard let index = active.index(of: task) else {
            return self.reply(reply, .failure(.unknownTask(task, run: id, known: active.pipeline.tasks.map(\.id))))
        }
        let reason = "marked \(state.rawValue) by \(who)"
        if active.taskRuns[index].state == .running {
            active.marks[index] = state
            stopAttempts(of: active.taskRuns[index].key, .cancelled(reason))
            return self.reply(reply, .success(active.run))
        }
        admission.removeQueued(pipeline: active.run.pipeline) { $0 == active.taskRuns[index].key }
        let now = clock.now()
        save(active.update(index) {
            $0.state = state
            $0.reason = reason
            $0.retryAt = nil
            $0.finishedAt = now
        })
        if state == .succeeded {
            // Tasks skipped only because this one failed get their chance now.
            let downstream = active.graph.downstreamClosure(of: index).filter { $0 != index && active.taskRuns[$0].state == .skipped }
            active.reset(downstream)
            downstream.forEach { save(active.taskRuns[$0]) }
        }
        resume(active, note: reason)
        self.reply(reply, .success(active.run))
    }

    /// The run as an active run: from memory, or from the store when it has finished (to be resumed).
    private func activate(_ id: RunID) -> Result<ActiveRun, EngineError> {
        if let active = runs[id] { return .success(active) }
        let found: Store.RunDetail?
        do {
            found = try store.run(id)
        } catch {
            return .failure(.storeUnavailable(error.description))
        }
        guard let detail = found else { return .failure(.unknownRun(id)) }
        guard let pipeline = pipelines[detail.run.pipeline] else {
            return .failure(.invalidRequest("pipeline \"\(detail.run.pipeline)\" of run \(id) is no longer defined"))
        }
        guard let taskRuns = Self.align(detail.taskRuns, to: pipeline) else {
            return .failure(.invalidRequest(
                "pipeline \"\(pipeline.id)\" gained or lost tasks since run \(id); trigger a new run instead"))
        }
        return .success(ActiveRun(run: detail.run, pipeline: pipeline, taskRuns: taskRuns))
    }

    /// Task runs in the order of the pipeline's tasks, or `nil` when the two sets differ.
    static func align(_ taskRuns: [TaskRun], to pipeline: Pipeline) -> [TaskRun]? {
        let byID = Dictionary(taskRuns.map { ($0.key.task, $0) }, uniquingKeysWith: { first, _ in first })
        guard byID.count == pipeline.tasks.count else { return nil }
        let aligned = pipeline.tasks.compactMap { byID[$0.id] }
        return aligned.count == pipeline.tasks.count ? aligned : nil
    }

    /// Puts a changed run back in motion: a finished run becomes running again (taking a slot).
    private func resume(_ active: ActiveRun, note: String) {
        let id = active.run.id
        if runs[id] == nil || active.run.state.isFinished {
            active.run.state = .running
            active.run.finishedAt = nil
            active.run.note = note
            if active.run.trigger != .service, slotHolders.insert(id).inserted {
                runningRuns[active.run.pipeline, default: 0] += 1
            }
            save(active.run)
        }
        runs[id] = active
        settle(id)
    }

    private func finishedOrUnknown(_ id: RunID) -> EngineError {
        do {
            guard let detail = try store.run(id) else { return .unknownRun(id) }
            return .invalidRequest("run \(id) has already finished (\(detail.run.state.rawValue))")
        } catch {
            return .storeUnavailable(error.description)
        }
    }
}
