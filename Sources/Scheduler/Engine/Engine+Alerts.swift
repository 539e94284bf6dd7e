import Foundation

extension Engine {
    /// Writes an alert for each channel of the pipeline's route that listens to `event` into this batch's changes
    /// (the outbox, in the transaction of the state change that caused it), unless the same pipeline, task and
    /// event alerted within the throttle: then it is counted, and the count goes with the next one.
    func raise(_ event: AlertEvent, in active: ActiveRun, task: TaskID? = nil, attempt: Int? = nil, error: String?, at now: Date) {
        guard let route = active.pipeline.alerts ?? configuration.alertDefault, route.events.contains(event), !route.channels.isEmpty else { return }
        let key = Self.throttleKey(active.run.pipeline, task, event)
        if let last = alertTimes[key], now < last.addingTimeInterval(configuration.alertThrottle.seconds) {
            alertsHeldBack[key, default: 0] += 1
            changes.append(.setAlertsHeldBack(key: key, count: alertsHeldBack[key] ?? 0))
            return
        }
        alertTimes[key] = now
        let heldBack = alertsHeldBack.removeValue(forKey: key) ?? 0
        if heldBack > 0 { changes.append(.setAlertsHeldBack(key: key, count: 0)) }
        for channel in route.channels {
            changes.append(.appendAlert(AlertDraft(
                event: event, channel: channel, pipeline: active.run.pipeline, run: active.run.id, task: task, attempt: attempt,
                logicalDate: active.run.logicalDate, error: error, heldBack: heldBack, createdAt: now)))
        }
    }

    static func throttleKey(_ pipeline: PipelineID, _ task: TaskID?, _ event: AlertEvent) -> String {
        "\(pipeline)|\(task?.rawValue ?? "")|\(event.rawValue)"
    }

    /// The throttle's memory from the store, at start: what alerted within the throttle still holds repeats back,
    /// and what was held back is still counted into the next.
    func restoreAlertTimes(at now: Date) {
        if let recent = try? store.lastAlertTimes(since: now.addingTimeInterval(-configuration.alertThrottle.seconds)) {
            for entry in recent { alertTimes[Self.throttleKey(entry.pipeline, entry.task, entry.event)] = entry.at }
        }
        alertsHeldBack = (try? store.alertsHeldBack()) ?? [:]
    }

    /// Arms the run's deadline when its route listens to `deadline_missed` (services never finish: none for them).
    func armDeadline(_ active: ActiveRun) {
        guard active.run.trigger != .service, let route = active.pipeline.alerts, route.events.contains(.deadlineMissed),
            let deadline = route.deadline
        else { return }
        arm(.deadline(active.run.id), at: active.run.logicalDate.addingTimeInterval(deadline.seconds))
    }

    /// A run's deadline came: `deadline_missed` if it has not finished, once per run (the outbox remembers it across
    /// restarts).
    func reportMissedDeadline(_ id: RunID) {
        guard let active = runs[id], !active.run.state.isFinished, let deadline = active.pipeline.alerts?.deadline else { return }
        guard (try? store.hasAlert(run: id, event: .deadlineMissed)) == false else { return }
        let unfinished = active.taskRuns.filter { !$0.state.isFinished }.map(\.key.task.rawValue)
        let logical = ISO8601DateFormatter().string(from: active.run.logicalDate)
        raise(
            .deadlineMissed, in: active,
            error: "not finished \(DurationText.format(deadline)) after its logical date \(logical); unfinished: \(unfinished.joined(separator: ", "))",
            at: clock.now())
    }

    /// A service is being restarted: `service_flapping` when that makes more than `flapping.restarts` restarts within
    /// `flapping.window`. The count starts again after an alert, so a service that keeps flapping alerts again only
    /// after as many restarts more (and the throttle).
    func noteServiceRestart(_ active: ActiveRun, task: TaskID, reason: String?, at now: Date) {
        guard let route = active.pipeline.alerts ?? configuration.alertDefault, route.events.contains(.serviceFlapping) else { return }
        let key = TaskRunKey(run: active.run.id, task: task)
        let since = now.addingTimeInterval(-route.flapping.window.seconds)
        var restarts = serviceRestarts[key, default: []].filter { $0 > since }
        restarts.append(now)
        guard restarts.count > route.flapping.restarts else {
            serviceRestarts[key] = restarts
            return
        }
        serviceRestarts[key] = nil
        let last = reason.map { "; last exit: \($0)" } ?? ""
        raise(
            .serviceFlapping, in: active, task: task,
            error: "restarted \(restarts.count) times within \(DurationText.format(route.flapping.window))\(last)", at: now)
    }

    /// A run just finished: `run_failed`, or `recovered` when the pipeline's previous finished run had failed.
    func raiseRunAlerts(_ active: ActiveRun, at now: Date) {
        let state = active.run.state
        guard state == .succeeded || state == .failed else { return }
        let previous = lastOutcomes[active.run.pipeline] ?? previousOutcome(of: active.run)
        lastOutcomes[active.run.pipeline] = state
        if state == .failed {
            let failed = active.taskRuns.filter { $0.state == .failed }.map(\.key.task.rawValue)
            raise(.runFailed, in: active, error: active.run.note ?? "failed: \(failed.joined(separator: ", "))", at: now)
        } else if previous == .failed {
            raise(.recovered, in: active, error: nil, at: now)
        }
    }

    /// The outcome of the pipeline's newest finished run before `run` (after a restart, from the store); nil when
    /// there is none or the store cannot say (no `recovered` alert rather than a wrong one).
    private func previousOutcome(of run: Run) -> RunState? {
        var filter = Store.RunFilter(limit: 20)
        filter.pipeline = run.pipeline
        filter.before = run.id
        return (try? store.runs(filter))?.first { $0.state == .succeeded || $0.state == .failed }?.state
    }
}
