public import Foundation
import GRDB

// MARK: - Alerts: the outbox the engine writes and the sender empties

/// An alert in the outbox, with how its delivery went.
public struct StoredAlert: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, sent, failed
    }

    public let id: Int64
    public let alert: AlertDraft
    public let state: State
    public let attempts: Int
    public let lastError: String?
    public let deliveredAt: Date?
}

extension Store {
    /// Alerts newest first (before `before` when given), of `pipelines` only when given (a scoped reader).
    public func alerts(before: Int64? = nil, limit: Int = 100, pipelines: Set<PipelineID>? = nil) throws(StoreError) -> [StoredAlert] {
        try read("alerts") { db in
            var sql = "WHERE 1"
            var arguments: [any DatabaseValueConvertible] = []
            if let before {
                sql += " AND id < ?"
                arguments.append(before)
            }
            if let pipelines {
                guard !pipelines.isEmpty else { return [] }
                Store.narrow(&sql, &arguments, column: "pipelineID", to: pipelines)
            }
            arguments.append(limit)
            return try Self.fetchAlerts(db, sql + " ORDER BY id DESC LIMIT ?", arguments)
        }
    }

    /// Alerts matching `condition` (a WHERE clause and what follows it), decoded.
    static func fetchAlerts(_ db: Database, _ condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [StoredAlert] {
        let sql = """
            SELECT id, createdAt, pipelineID, runID, taskID, attempt, event, channel, logicalDate, error, heldBack, state, attempts,
                lastError, deliveredAt FROM alert
            """
        return try Row.fetchAll(db, sql: sql + " " + condition, arguments: StatementArguments(arguments)).map { row in
            let draft = AlertDraft(
                event: AlertEvent(rawValue: row[6]) ?? .taskFailed, channel: row[7], pipeline: PipelineID(rawValue: row[2]),
                run: (row[3] as Int64?).map { RunID($0) }, task: (row[4] as String?).map { TaskID(rawValue: $0) }, attempt: row[5],
                logicalDate: (row[8] as Double?).map(Date.init(timeIntervalSince1970:)), error: row[9], heldBack: row[10],
                createdAt: Date(timeIntervalSince1970: row[1]))
            return StoredAlert(
                id: row[0], alert: draft, state: StoredAlert.State(rawValue: row[11]) ?? .pending, attempts: row[12], lastError: row[13],
                deliveredAt: (row[14] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }
}

extension Store {
    /// Pending alerts whose next attempt is due at `now`, oldest first.
    public func dueAlerts(at now: Date, limit: Int = 50) throws(StoreError) -> [StoredAlert] {
        try read("due alerts") { db in
            try Self.fetchAlerts(db, "WHERE state = 'pending' AND nextAttemptAt <= ? ORDER BY id LIMIT ?", [now.timeIntervalSince1970, limit])
        }
    }

    /// One delivery attempt and where it leaves the alert, in one transaction: sent, failed for good, or pending
    /// again at `retryAt`.
    public func recordAlertAttempt(
        _ id: Int64, at now: Date, outcome: StoredAlert.State, detail: String?, retryAt: Date?
    ) throws(StoreError) {
        try write("record an alert delivery") { db in
            try db.execute(
                sql: """
                    UPDATE alert SET state = ?, attempts = attempts + 1, lastError = ?, nextAttemptAt = ?, deliveredAt = ? WHERE id = ?
                    """,
                arguments: [
                    outcome.rawValue, outcome == .sent ? nil : detail, (retryAt ?? now).timeIntervalSince1970,
                    outcome == .sent ? now.timeIntervalSince1970 : nil, id,
                ])
            try db.execute(
                sql: "INSERT INTO alertDelivery (alertID, at, outcome, detail) VALUES (?, ?, ?, ?)",
                arguments: [id, now.timeIntervalSince1970, outcome == .pending ? "retry" : outcome.rawValue, detail])
        }
    }
}

extension Store {
    /// The log of the attempt an alert is about: its own attempt, else (a failed run) the run's last attempt that
    /// did not succeed; nil when there is none (or retention took it).
    public func alertLogPath(_ alert: AlertDraft) throws(StoreError) -> String? {
        guard let run = alert.run else { return nil }
        return try read("an alert's log") { db in
            if let task = alert.task, let number = alert.attempt {
                return try String.fetchOne(
                    db, sql: "SELECT logPath FROM attempt WHERE runID = ? AND taskID = ? AND number = ?", arguments: [run.rawValue, task.rawValue, number])
            }
            return try String.fetchOne(
                db, sql: "SELECT logPath FROM attempt WHERE runID = ? AND state NOT IN ('succeeded', 'running') ORDER BY finishedAt DESC LIMIT 1",
                arguments: [run.rawValue])
        }
    }
}

extension Store {
    /// Whether the outbox holds an alert of `event` about `run` (a deadline is reported once, also across restarts).
    public func hasAlert(run: RunID, event: AlertEvent) throws(StoreError) -> Bool {
        try read("an alert of a run") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert WHERE runID = ? AND event = ?)", arguments: [run.rawValue, event.rawValue]) ?? false
        }
    }

    /// When each pipeline, task and event last alerted since `since`: the throttle's memory, read back at start so
    /// that a restart does not send again what was sent a minute before.
    public func lastAlertTimes(since: Date) throws(StoreError) -> [(pipeline: PipelineID, task: TaskID?, event: AlertEvent, at: Date)] {
        try read("recent alerts") { db in
            try Row.fetchAll(
                db, sql: "SELECT pipelineID, taskID, event, MAX(createdAt) FROM alert WHERE createdAt >= ? GROUP BY pipelineID, taskID, event",
                arguments: [since.timeIntervalSince1970]
            ).compactMap { row in
                guard let event = AlertEvent(rawValue: row[2]) else { return nil }
                return (PipelineID(rawValue: row[0]), (row[1] as String?).map { TaskID(rawValue: $0) }, event, Date(timeIntervalSince1970: row[3]))
            }
        }
    }
}

/// How a channel's alerts went lately: counts by state, the last success and failure, and its recent attempts.
public struct AlertChannelHealth: Sendable, Equatable {
    public struct Delivery: Sendable, Equatable {
        public let alert: Int64
        public let event: AlertEvent
        public let pipeline: PipelineID
        public let run: RunID?
        public let at: Date
        /// sent, retry or failed.
        public let outcome: String
        public let detail: String?
    }

    public var sent = 0
    public var pending = 0
    public var failed = 0
    public var lastSentAt: Date?
    public var recent: [Delivery] = []

    public init() {}
}

extension Store {
    /// Each channel's health from the outbox since `since` (the recent attempts: the last `recent` of each), of
    /// `pipelines` only when given (a scoped reader).
    public func alertChannelHealth(since: Date, recent: Int = 10, pipelines: Set<PipelineID>? = nil) throws(StoreError) -> [String: AlertChannelHealth] {
        try read("alert channel health") { db in
            var condition = "WHERE a.createdAt >= ?"
            var arguments: [any DatabaseValueConvertible] = [since.timeIntervalSince1970]
            if let pipelines {
                guard !pipelines.isEmpty else { return [:] }
                Store.narrow(&condition, &arguments, column: "a.pipelineID", to: pipelines)
            }
            var health: [String: AlertChannelHealth] = [:]
            let counts = try Row.fetchAll(
                db, sql: "SELECT a.channel, a.state, COUNT(*), MAX(a.deliveredAt) FROM alert a \(condition) GROUP BY a.channel, a.state",
                arguments: StatementArguments(arguments))
            for row in counts {
                let channel: String = row[0]
                let count: Int = row[2]
                switch row[1] as String {
                case "sent":
                    health[channel, default: .init()].sent = count
                    health[channel, default: .init()].lastSentAt = (row[3] as Double?).map(Date.init(timeIntervalSince1970:))
                case "failed": health[channel, default: .init()].failed = count
                default: health[channel, default: .init()].pending = count
                }
            }
            let deliveries = try Row.fetchAll(
                db, sql: """
                    SELECT * FROM (
                        SELECT a.channel, a.id, a.event, a.pipelineID, a.runID, d.at, d.outcome, d.detail,
                            ROW_NUMBER() OVER (PARTITION BY a.channel ORDER BY d.rowid DESC) AS n
                        FROM alertDelivery d JOIN alert a ON a.id = d.alertID \(condition))
                    WHERE n <= ? ORDER BY channel, n
                    """, arguments: StatementArguments(arguments + [recent]))
            for row in deliveries {
                let channel: String = row[0]
                guard let event = AlertEvent(rawValue: row[2]) else { continue }
                health[channel, default: .init()].recent.append(.init(
                    alert: row[1], event: event, pipeline: PipelineID(rawValue: row[3]), run: (row[4] as Int64?).map { RunID($0) },
                    at: Date(timeIntervalSince1970: row[5]), outcome: row[6], detail: row[7]))
            }
            return health
        }
    }
}

extension Store {
    /// The throttle's held-back counts, by key, as the engine left them.
    public func alertsHeldBack() throws(StoreError) -> [String: Int] {
        try read("alerts held back") { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT key, count FROM alertHeldBack").map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
        }
    }
}
