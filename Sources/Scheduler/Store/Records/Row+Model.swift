import Foundation
import GRDB

/// Model values from rows; kept here so that `Model/` never imports GRDB.
extension Run {
    init(row: Row) {
        self.init(
            id: RunID(row["id"]), pipeline: PipelineID(row["pipelineID"] as String),
            trigger: RunTrigger(rawValue: row["trigger"]) ?? .manual,
            logicalDate: Date(timeIntervalSince1970: row["logicalDate"]),
            state: RunState(rawValue: row["state"]) ?? .failed,
            params: ParamCoding.decode(row["params"]), idempotencyKey: row["idempotencyKey"], digest: row["digest"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]),
            startedAt: (row["startedAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finishedAt"] as Double?).map(Date.init(timeIntervalSince1970:)), note: row["note"])
    }
}

extension TaskRun {
    init(row: Row) {
        self.init(
            key: TaskRunKey(run: RunID(row["runID"]), task: TaskID(row["taskID"] as String)),
            state: TaskRunState(rawValue: row["state"]) ?? .failed, tries: row["tries"], attempts: row["attempts"],
            reason: row["reason"], retryAt: (row["retryAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            startedAt: (row["startedAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finishedAt"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension Attempt {
    init(row: Row) {
        let taskRun = TaskRunKey(run: RunID(row["runID"]), task: TaskID(row["taskID"] as String))
        self.init(
            key: AttemptKey(taskRun: taskRun, number: row["number"]),
            state: AttemptState(rawValue: row["state"]) ?? .failed, startedAt: Date(timeIntervalSince1970: row["startedAt"]),
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
