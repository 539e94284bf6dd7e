import GRDB

// MARK: - Lineage: the OpenLineage events the engine recorded

extension Store {
    /// Events oldest first after `id`, of `pipelines` only when given (a scoped reader), as their JSON text.
    public func lineageEvents(after id: Int64 = 0, limit: Int = 1000, pipelines: Set<PipelineID>? = nil) throws(StoreError) -> [(id: Int64, json: String)] {
        try read("lineage events") { db in
            var sql = "SELECT id, body FROM lineageEvent WHERE id > ?"
            var arguments: [any DatabaseValueConvertible] = [id]
            if let pipelines {
                guard !pipelines.isEmpty else { return [] }
                sql += " AND pipelineID IN (\(Array(repeating: "?", count: pipelines.count).joined(separator: ", ")))"
                arguments += pipelines.map(\.rawValue).sorted()
            }
            sql += " ORDER BY id LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { ($0[0], $0[1]) }
        }
    }
}
