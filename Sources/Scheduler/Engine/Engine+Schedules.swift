import Foundation
import Logging

// MARK: - Pipelines: loading, schedules, catch-up, pause, services

extension Engine {
    /// Installs new and changed pipelines, drops removed ones, and keeps the last
    /// good version of any file whose new version is broken.
    func handleLoaded(_ result: PipelineLoader.DirectoryResult) {
        loadFailures = result.failures
        for (file, diagnostics) in result.failures.sorted(by: { $0.key < $1.key }) {
            let kept = pipelineFiles[file]
            logger.warning(
                kept == nil ? "pipeline file is broken; not loaded" : "pipeline file is broken; the last good version keeps running",
                metadata: [LogKey.file: "\(file)", LogKey.error: "\(diagnostics.map(\.description).joined(separator: "; "))"])
            let id = kept ?? PipelineID(((file as NSString).lastPathComponent as NSString).deletingPathExtension)
            var state = states[id] ?? PipelineState(id: id)
            state.loadError = diagnostics.map(\.description).joined(separator: "\n")
            save(state)
        }
        let present = Set(result.pipelines.map(\.source.path)).union(result.failures.keys)
        for (file, id) in pipelineFiles where !present.contains(file) {
            remove(id, file: file)
        }
        for pipeline in result.pipelines {
            install(pipeline)
        }
        notifications.append(.pipelinesLoaded(loaded: result.pipelines.map(\.id), failures: result.allDiagnostics))
    }

    private func install(_ pipeline: Pipeline) {
        let previous = pipelines[pipeline.id]
        var state = states[pipeline.id] ?? PipelineState(id: pipeline.id)
        if state.loadError != nil || states[pipeline.id] == nil || state.lastScheduledAt == nil && pipeline.schedule != nil {
            state.loadError = nil
            // A pipeline seen for the first time starts its schedule now, not from the past.
            if state.lastScheduledAt == nil, pipeline.schedule != nil { state.lastScheduledAt = clock.now() }
            save(state)
        }
        guard previous?.source.digest != pipeline.source.digest else { return }
        pipelines[pipeline.id] = pipeline
        pipelineFiles[pipeline.source.path] = pipeline.id
        admission.setLimit(pipeline.maxActiveTasks, for: pipeline.id)
        logger.info(
            previous == nil ? "pipeline loaded" : "pipeline reloaded",
            metadata: [LogKey.pipeline: "\(pipeline.id)", LogKey.file: "\(pipeline.source.path)"])
        if previous?.hasServices == true {
            cancelServiceRuns(of: pipeline.id, reason: "the pipeline changed; restarting its services")
        }
        reschedule(pipeline.id)
        ensureServiceRun(pipeline.id)
    }

    private func remove(_ id: PipelineID, file: String) {
        pipelineFiles[file] = nil
        pipelines[id] = nil
        cronGenerations[id, default: 0] += 1
        cancelServiceRuns(of: id, reason: "the pipeline file was removed")
        logger.info("pipeline removed", metadata: [LogKey.pipeline: "\(id)", LogKey.file: "\(file)"])
    }

    /// Catches up missed cron instants (all of them with `catchup: true`, the latest otherwise) and arms the next one.
    func reschedule(_ id: PipelineID) {
        cronGenerations[id, default: 0] += 1
        guard let pipeline = pipelines[id], let schedule = pipeline.schedule, states[id]?.paused != true else { return }
        let now = clock.now()
        let last = states[id]?.lastScheduledAt ?? now
        var missed = cronInstants(schedule, pipeline.timeZone, after: last, through: now)
        if !pipeline.catchup { missed = missed.suffix(1) }
        if missed.count > configuration.catchupLimit {
            logger.warning(
                "catch-up limited; the oldest missed runs are not created",
                metadata: [LogKey.pipeline: "\(id)", LogKey.count: "\(missed.count - configuration.catchupLimit)"])
            missed = Array(missed.suffix(configuration.catchupLimit))
        }
        do {
            let taken = try takenDates(id, missed)
            for instant in missed where !taken.contains(instant) {
                createRun(pipeline, trigger: .schedule, logicalDate: instant, params: defaults(of: pipeline), note: "catch-up")
            }
            if let latest = missed.last, var state = states[id] {
                state.lastScheduledAt = latest
                save(state)
            }
        } catch {
            // Not guessed: the missed instants stay missed (lastScheduledAt unchanged) for the next load or start.
            logger.error("catch-up postponed: the store could not be read", metadata: [LogKey.pipeline: "\(id)", LogKey.error: "\(error)"])
        }
        if let next = schedule.nextDate(after: max(now, missed.last ?? now), in: pipeline.timeZone) {
            arm(.cron(id, next, generation: cronGenerations[id]!), at: next)
        }
    }

    /// A cron instant arrived: create its run (once), then arm the next instant.
    func fireCron(_ id: PipelineID, at instant: Date) {
        guard let pipeline = pipelines[id], let schedule = pipeline.schedule, var state = states[id], !state.paused else {
            return
        }
        if (state.lastScheduledAt ?? .distantPast) < instant {
            do {
                if try takenDates(id, [instant]).isEmpty {
                    createRun(pipeline, trigger: .schedule, logicalDate: instant, params: defaults(of: pipeline))
                }
            } catch {
                // Asked again shortly rather than guessed: a logical date never gets two runs.
                logger.error("cron instant postponed: the store could not be read", metadata: [LogKey.pipeline: "\(id)", LogKey.error: "\(error)"])
                return arm(.cron(id, instant, generation: cronGenerations[id]!), at: clock.now().addingTimeInterval(5))
            }
        }
        state.lastScheduledAt = max(state.lastScheduledAt ?? instant, instant)
        save(state)
        // The next instant follows the scheduled one, not the moment it was handled, so delays do not pile up.
        if let next = schedule.nextDate(after: instant, in: pipeline.timeZone) {
            arm(.cron(id, next, generation: cronGenerations[id]!), at: next)
        }
    }

    /// The cron instants in `(after, through]`, at most `catchupLimit × 10 + 1` of them.
    func cronInstants(_ schedule: CronExpression, _ zone: TimeZone, after: Date, through end: Date) -> [Date] {
        var instants: [Date] = []
        var cursor = after
        while instants.count <= configuration.catchupLimit * 10, let next = schedule.nextDate(after: cursor, in: zone), next <= end {
            instants.append(next)
            cursor = next
        }
        return instants
    }

    private func defaults(of pipeline: Pipeline) -> [String: ParamValue] {
        (try? pipeline.params.resolve([:])) ?? [:]
    }

    func handlePause(_ id: PipelineID, _ paused: Bool, _ reply: Reply<PipelineState>) {
        guard pipelines[id] != nil, var state = states[id] else {
            return self.reply(reply, .failure(.unknownPipeline(id, known: pipelines.keys.sorted())))
        }
        guard state.paused != paused else { return self.reply(reply, .success(state)) }
        state.paused = paused
        save(state)
        logger.info(paused ? "pipeline paused" : "pipeline unpaused", metadata: [LogKey.pipeline: "\(id)"])
        if paused {
            cronGenerations[id, default: 0] += 1
            cancelServiceRuns(of: id, reason: "the pipeline was paused")
        } else {
            reschedule(id)
            ensureServiceRun(id)
        }
        self.reply(reply, .success(state))
    }

    /// Starts the run that holds a pipeline's services, unless it has one or is paused.
    func ensureServiceRun(_ id: PipelineID) {
        guard phase == .running, let pipeline = pipelines[id], pipeline.hasServices, states[id]?.paused != true,
            !runs.values.contains(where: { $0.run.pipeline == id && $0.run.trigger == .service && $0.run.state != .cancelled })
        else { return }
        createRun(pipeline, trigger: .service, logicalDate: clock.now(), params: defaults(of: pipeline), note: "services")
    }

    private func cancelServiceRuns(of id: PipelineID, reason: String) {
        for runID in runs.keys.sorted() where runs[runID]?.run.pipeline == id && runs[runID]?.run.trigger == .service {
            cancelRun(runID, reason: reason)
        }
    }
}
