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
}
