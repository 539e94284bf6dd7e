public import Foundation
import GRDB

// MARK: - Database Access: Writes

extension Store {
    /// Applies `changes` in order, in one transaction: all of them or none.
    /// - Throws: `StoreError`; nothing was written then.
    public func apply(_ changes: [StoreChange]) async throws(StoreError) {
        guard !changes.isEmpty else { return }
        do {
            try await writer.write { db in
                for change in changes { try Self.apply(change, in: db) }
            }
            Self.markAuditsWritten(changes)
        } catch {
            throw StoreError(doing: "record \(Self.summary(of: changes))", underlying: error)
        }
    }

    /// The same, blocking the caller: for recovery at start-up and for tests.
    public func applyNow(_ changes: [StoreChange]) throws(StoreError) {
        do {
            try writer.write { db in
                for change in changes { try Self.apply(change, in: db) }
            }
            Self.markAuditsWritten(changes)
        } catch {
            throw StoreError(doing: "record \(Self.summary(of: changes))", underlying: error)
        }
    }

    private static func markAuditsWritten(_ changes: [StoreChange]) {
        for case .appendAudit(let record) in changes { record.markWritten() }
    }

    private static func summary(of changes: [StoreChange]) -> String {
        guard let first = changes.first else { return "nothing" }
        let what: String =
            switch first {
            case .createRun(let run, _): "the creation of run \(run.id) of \(run.pipeline)"
            case .updateRun(let run): "the state of run \(run.id)"
            case .updateTaskRun(let taskRun): "the state of \(taskRun.key)"
            case .startAttempt(let attempt), .finishAttempt(let attempt): "\(attempt.key)"
            case .savePipeline(let state): "the state of pipeline \(state.id)"
            case .appendAudit(let record): "the audit event \(record.event.action) on \(record.event.target)"
            case .appendLineage(let event): "the lineage event \(event.kind.rawValue) of \(event.attempt)"
            case .appendAlert(let alert): "the \(alert.event.rawValue) alert of \(alert.pipeline) for \(alert.channel)"
            case .setAlertsHeldBack(let key, _): "the count of alerts held back for \(key)"
            }
        return changes.count == 1 ? what : "\(what) and \(changes.count - 1) other changes"
    }

    private static func apply(_ change: StoreChange, in db: Database) throws {
        switch change {
        case .appendAudit(let record):
            try insertAudit(record.event, in: db)
        case .appendLineage(let event):
            // The fields, not the OpenLineage JSON: that is built when exported, off the engine's path.
            try db.cachedStatement(sql: """
                INSERT INTO lineageEvent (eventTime, pipelineID, runID, taskID, attempt, eventType, logicalDate, datasets, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    event.time.timeIntervalSince1970, event.pipeline.rawValue, event.attempt.taskRun.run.rawValue,
                    event.attempt.taskRun.task.rawValue, event.attempt.number, event.kind.rawValue, event.logicalDate.timeIntervalSince1970,
                    event.inputs.isEmpty && event.outputs.isEmpty ? nil : LineageEvent.encodeDatasets(inputs: event.inputs, outputs: event.outputs),
                    event.error,
                ])
            if event.kind == .complete, !(event.inputs.isEmpty && event.outputs.isEmpty) {
                try insertLineageDatasets(inputs: event.inputs, outputs: event.outputs, event: db.lastInsertedRowID, in: db)
            }
        case .appendAlert(let alert):
            try db.cachedStatement(sql: """
                INSERT INTO alert (createdAt, pipelineID, runID, taskID, attempt, event, channel, logicalDate, error, heldBack, nextAttemptAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    alert.createdAt.timeIntervalSince1970, alert.pipeline.rawValue, alert.run?.rawValue, alert.task?.rawValue, alert.attempt,
                    alert.event.rawValue, alert.channel, alert.logicalDate?.timeIntervalSince1970, alert.error, alert.heldBack,
                    alert.createdAt.timeIntervalSince1970,
                ])
        case .setAlertsHeldBack(let key, let count):
            if count > 0 {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO alertHeldBack (key, count) VALUES (?, ?)").execute(arguments: [key, count])
            } else {
                try db.cachedStatement(sql: "DELETE FROM alertHeldBack WHERE key = ?").execute(arguments: [key])
            }
        case .createRun(let run, let taskRuns):
            try db.cachedStatement(sql: """
                INSERT INTO run (id, pipelineID, trigger, logicalDate, state, params, idempotencyKey, digest,
                                 createdAt, startedAt, finishedAt, note, triggeredBy, comment)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    run.id.rawValue, run.pipeline.rawValue, run.trigger.rawValue, run.logicalDate.timeIntervalSince1970,
                    run.state.rawValue, ParamCoding.encode(run.params), run.idempotencyKey, run.digest,
                    run.createdAt.timeIntervalSince1970, run.startedAt?.timeIntervalSince1970,
                    run.finishedAt?.timeIntervalSince1970, run.note, run.triggeredBy, run.comment,
                ])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO taskRun (runID, taskID, state, tries, attempts, reason, retryAt, startedAt, finishedAt, queuedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for taskRun in taskRuns { try insert.execute(arguments: taskRunArguments(taskRun)) }
        case .updateRun(let run):
            try db.cachedStatement(sql: "UPDATE run SET state = ?, startedAt = ?, finishedAt = ?, note = ? WHERE id = ?")
                .execute(arguments: [
                    run.state.rawValue, run.startedAt?.timeIntervalSince1970, run.finishedAt?.timeIntervalSince1970,
                    run.note, run.id.rawValue,
                ])
        case .updateTaskRun(let taskRun):
            try db.cachedStatement(sql: """
                UPDATE taskRun SET state = ?, tries = ?, attempts = ?, reason = ?, retryAt = ?, startedAt = ?, finishedAt = ?,
                                   queuedAt = ?
                WHERE runID = ? AND taskID = ?
                """).execute(arguments: [
                    taskRun.state.rawValue, taskRun.tries, taskRun.attempts, taskRun.reason,
                    taskRun.retryAt?.timeIntervalSince1970, taskRun.startedAt?.timeIntervalSince1970,
                    taskRun.finishedAt?.timeIntervalSince1970, taskRun.queuedAt?.timeIntervalSince1970,
                    taskRun.key.run.rawValue, taskRun.key.task.rawValue,
                ])
        case .startAttempt(let attempt):
            try db.cachedStatement(sql: """
                INSERT INTO attempt (runID, taskID, number, state, startedAt, finishedAt, exitCode, reason, logPath, queuedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: attemptArguments(attempt))
        case .finishAttempt(let attempt):
            try db.cachedStatement(sql: """
                UPDATE attempt SET state = ?, finishedAt = ?, exitCode = ?, reason = ?
                WHERE runID = ? AND taskID = ? AND number = ?
                """).execute(arguments: [
                    attempt.state.rawValue, attempt.finishedAt?.timeIntervalSince1970, attempt.exitCode.map { Int($0) },
                    attempt.reason, attempt.key.taskRun.run.rawValue, attempt.key.taskRun.task.rawValue, attempt.key.number,
                ])
        case .savePipeline(let state):
            try db.cachedStatement(sql: """
                INSERT INTO pipeline (id, paused, lastScheduledAt, loadError) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET paused = excluded.paused, lastScheduledAt = excluded.lastScheduledAt,
                    loadError = excluded.loadError
                """).execute(arguments: [
                    state.id.rawValue, state.paused, state.lastScheduledAt?.timeIntervalSince1970, state.loadError,
                ])
        }
    }

    private static func taskRunArguments(_ taskRun: TaskRun) -> StatementArguments {
        [
            taskRun.key.run.rawValue, taskRun.key.task.rawValue, taskRun.state.rawValue, taskRun.tries, taskRun.attempts,
            taskRun.reason, taskRun.retryAt?.timeIntervalSince1970, taskRun.startedAt?.timeIntervalSince1970,
            taskRun.finishedAt?.timeIntervalSince1970, taskRun.queuedAt?.timeIntervalSince1970,
        ]
    }

    private static func attemptArguments(_ attempt: Attempt) -> StatementArguments {
        [
            attempt.key.taskRun.run.rawValue, attempt.key.taskRun.task.rawValue, attempt.key.number, attempt.state.rawValue,
            attempt.startedAt.timeIntervalSince1970, attempt.finishedAt?.timeIntervalSince1970,
            attempt.exitCode.map { Int($0) }, attempt.reason, attempt.logPath, attempt.queuedAt?.timeIntervalSince1970,
        ]
    }

    /// Deletes up to `limit` runs that finished before `cutoff`, with their task runs and attempts.
    /// - Returns: the deleted runs' ids and log paths, so their log files can go too.
    public func deleteRuns(finishedBefore cutoff: Date, limit: Int) async throws(StoreError) -> [(RunID, [String])] {
        do {
            return try await writer.write { db in
                let ids = try Int64.fetchAll(
                    db, sql: "SELECT id FROM run WHERE finishedAt IS NOT NULL AND finishedAt < ? ORDER BY finishedAt LIMIT ?",
                    arguments: [cutoff.timeIntervalSince1970, limit])
                var deleted: [(RunID, [String])] = []
                for id in ids {
                    let logs = try String.fetchAll(db, sql: "SELECT logPath FROM attempt WHERE runID = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [id])
                    deleted.append((RunID(id), logs))
                }
                return deleted
            }
        } catch {
            throw StoreError(doing: "delete runs finished before \(cutoff.formatted(.iso8601))", underlying: error)
        }
    }
}

/// Params as JSON text in the `run.params` column.
enum ParamCoding {
    static func encode(_ params: [String: ParamValue]) -> String {
        guard !params.isEmpty else { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(params)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    static func decode(_ text: String) -> [String: ParamValue] {
        // Most runs have no params; a page of runs should not pay a JSON decoder for each.
        guard text != "{}" else { return [:] }
        return (try? JSONDecoder().decode([String: ParamValue].self, from: Data(text.utf8))) ?? [:]
    }
}
