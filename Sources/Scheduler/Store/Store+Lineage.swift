import Foundation
import GRDB

// MARK: - Lineage: the OpenLineage events the engine recorded

extension Store {
    /// Events oldest first after `id`, of `pipelines` only when given (a scoped reader), as OpenLineage JSON.
    public func lineageEvents(after id: Int64 = 0, limit: Int = 1000, pipelines: Set<PipelineID>? = nil) throws(StoreError) -> [(id: Int64, json: String)] {
        try read("lineage events") { db in
            var sql = "SELECT id, eventTime, pipelineID, runID, taskID, attempt, eventType, logicalDate, datasets, error FROM lineageEvent WHERE id > ?"
            var arguments: [any DatabaseValueConvertible] = [id]
            if let pipelines {
                guard !pipelines.isEmpty else { return [] }
                sql += " AND pipelineID IN (\(Array(repeating: "?", count: pipelines.count).joined(separator: ", ")))"
                arguments += pipelines.map(\.rawValue).sorted()
            }
            sql += " ORDER BY id LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                let (inputs, outputs) = LineageEvent.decodeDatasets(row[8] as String?)
                let event = LineageEvent(
                    kind: LineageEvent.Kind(rawValue: row[6]) ?? .fail, time: Date(timeIntervalSince1970: row[1]),
                    attempt: AttemptKey(taskRun: TaskRunKey(run: RunID(row[3] as Int64), task: TaskID(rawValue: row[4])), number: row[5]),
                    pipeline: PipelineID(rawValue: row[2]), logicalDate: Date(timeIntervalSince1970: row[7]), inputs: inputs, outputs: outputs, error: row[9])
                return (row[0], event.json)
            }
        }
    }

    /// The last event delivered to `endpoint` (0: none yet).
    public func lineageDelivered(to endpoint: String) throws(StoreError) -> Int64 {
        try read("lineage delivery") { db in
            try Int64.fetchOne(db, sql: "SELECT lastID FROM lineageDelivery WHERE endpoint = ?", arguments: [endpoint]) ?? 0
        }
    }

    /// Records that events up to `id` reached `endpoint` (delivered, or refused for good).
    public func setLineageDelivered(to endpoint: String, through id: Int64) throws(StoreError) {
        try write("record lineage delivery") { db in
            try db.execute(
                sql: "INSERT INTO lineageDelivery (endpoint, lastID) VALUES (?, ?) ON CONFLICT (endpoint) DO UPDATE SET lastID = excluded.lastID",
                arguments: [endpoint, id])
        }
    }
}
