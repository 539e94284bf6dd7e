import Foundation

extension Engine {
    /// Writes an alert for each channel of the pipeline's route that listens to `event` into this batch's changes
    /// (the outbox, in the transaction of the state change that caused it), unless the same pipeline, task and
    /// event alerted within the throttle: then it is counted, and the count goes with the next one.
    func raise(_ event: AlertEvent, in active: ActiveRun, task: TaskID? = nil, attempt: Int? = nil, error: String?, at now: Date) {
        guard let route = active.pipeline.alerts ?? configuration.alertDefault, route.events.contains(event), !route.channels.isEmpty else { return }
        let key = "\(active.run.pipeline)|\(task?.rawValue ?? "")|\(event.rawValue)"
        if let last = alertTimes[key], now < last.addingTimeInterval(configuration.alertThrottle.seconds) {
            alertsHeldBack[key, default: 0] += 1
            return
        }
        alertTimes[key] = now
        let heldBack = alertsHeldBack.removeValue(forKey: key) ?? 0
        for channel in route.channels {
            changes.append(.appendAlert(AlertDraft(
                event: event, channel: channel, pipeline: active.run.pipeline, run: active.run.id, task: task, attempt: attempt,
                logicalDate: active.run.logicalDate, error: error, heldBack: heldBack, createdAt: now)))
        }
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
