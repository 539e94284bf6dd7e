import Foundation
import GRDB

/// Model values from rows; kept here so that `Model/` never imports GRDB.
// Runs and task runs are read by the page (the runs list, the grid, every run page): they are
// decoded from a cursor over the statement itself, by column position. GRDB's copied rows
// (`Row.fetchAll`) decode each value through a generic path that, per value, looks up
// prespecialized metadata under a lock of the Swift runtime, and a lookup by column name
// lowercases the name: under load, that was a quarter of the runs page's time and its tail.

extension Run {
    private static let columns =
        "id, pipelineID, trigger, logicalDate, state, params, idempotencyKey, digest, createdAt, startedAt, finishedAt, note, "
        + "triggeredBy, comment"

    /// `SELECT <the columns> FROM run <rest>`, decoded as it is read.
    static func fetchAll(_ db: Database, _ rest: String, _ arguments: StatementArguments) throws -> [Run] {
        try Array(Row.fetchCursor(db, sql: "SELECT \(columns) FROM run \(rest)", arguments: arguments).map(Run.init(positional:)))
    }

    private init(positional row: Row) {
        self.init(
            id: RunID(row[0]), pipeline: PipelineID(row[1] as String),
            trigger: RunTrigger(rawValue: row[2]) ?? .manual,
            logicalDate: Date(timeIntervalSince1970: row[3]),
            state: RunState(rawValue: row[4]) ?? .failed,
            params: ParamCoding.decode(row[5]), idempotencyKey: row[6], digest: row[7],
            createdAt: Date(timeIntervalSince1970: row[8]),
            startedAt: (row[9] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row[10] as Double?).map(Date.init(timeIntervalSince1970:)), note: row[11],
            triggeredBy: row[12], comment: row[13])
    }
}

extension TaskRun {
    private static let columns = "runID, taskID, state, tries, attempts, reason, retryAt, startedAt, finishedAt, queuedAt"

    /// `SELECT <the columns> FROM taskRun <rest>`, decoded as it is read.
    static func fetchAll(_ db: Database, _ rest: String, _ arguments: StatementArguments) throws -> [TaskRun] {
        try Array(Row.fetchCursor(db, sql: "SELECT \(columns) FROM taskRun \(rest)", arguments: arguments).map(TaskRun.init(positional:)))
    }

    private init(positional row: Row) {
        self.init(
            key: TaskRunKey(run: RunID(row[0]), task: TaskID(row[1] as String)),
            state: TaskRunState(rawValue: row[2]) ?? .failed, tries: row[3], attempts: row[4],
            reason: row[5], retryAt: (row[6] as Double?).map(Date.init(timeIntervalSince1970:)),
            queuedAt: (row[9] as Double?).map(Date.init(timeIntervalSince1970:)),
            startedAt: (row[7] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row[8] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension Attempt {
    init(row: Row) {
        let taskRun = TaskRunKey(run: RunID(row["runID"]), task: TaskID(row["taskID"] as String))
        self.init(
            key: AttemptKey(taskRun: taskRun, number: row["number"]),
            state: AttemptState(rawValue: row["state"]) ?? .failed,
            queuedAt: (row["queuedAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            startedAt: Date(timeIntervalSince1970: row["startedAt"]),
            finishedAt: (row["finishedAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            exitCode: (row["exitCode"] as Int?).map(Int32.init), reason: row["reason"], logPath: row["logPath"])
    }
}

extension PipelineState {
    init(row: Row) {
        self.init(
            id: PipelineID(row["id"] as String), paused: row["paused"],
            lastScheduledAt: (row["lastScheduledAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            loadError: row["loadError"])
    }
}

extension User {
    init(row: Row) {
        self.init(
            id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .viewer, passwordHash: row["passwordHash"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]), disabled: row["disabled"],
            mustChangePassword: row["mustChangePassword"])
    }
}

extension Session {
    init(row: Row) {
        self.init(
            digest: row["digest"], userID: row["userID"], csrfToken: row["csrfToken"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]), lastSeenAt: Date(timeIntervalSince1970: row["lastSeenAt"]))
    }
}

extension APIToken {
    init(row: Row) {
        self.init(
            id: row["id"], name: row["name"], digest: row["digest"], role: Role(rawValue: row["role"]) ?? .viewer,
            pipelines: (row["pipelines"] as String?).map { $0.split(separator: ",").map { PipelineID(String($0)) } },
            createdBy: row["createdBy"], createdAt: Date(timeIntervalSince1970: row["createdAt"]),
            expiresAt: (row["expiresAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revokedAt"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension AuditEvent {
    init(row: Row) {
        self.init(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"], role: row["role"], action: row["action"],
            target: row["target"], address: row["address"], outcome: row["outcome"], hash: row["hash"])
    }
}
