public import Foundation
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
                Store.narrow(&sql, &arguments, column: "pipelineID", to: pipelines)
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

// MARK: - The lineage graph: which completed attempts wrote and read each dataset

/// A dataset's upstream and downstream, as far as the recorded lineage goes: the completed attempts that wrote it
/// and the datasets they read, back; the attempts that read it and what they wrote, forward.
public struct LineageGraph: Sendable, Equatable {
    /// One completed attempt of a task: a job run in OpenLineage's words.
    public struct Job: Sendable, Equatable {
        public let event: Int64
        public let pipeline: PipelineID
        public let attempt: AttemptKey
        public let logicalDate: Date
        public let time: Date
        public let inputs: [AttemptReport.Dataset]
        public let outputs: [AttemptReport.Dataset]
    }

    /// The dataset asked about.
    public let dataset: String
    /// Jobs that lead to it (nearest first), and jobs that follow from it.
    public let upstream: [Job]
    public let downstream: [Job]
    /// True when the walk stopped at its limit: there is more than shown.
    public let truncated: Bool
}

/// A dataset as the lineage last saw it written (or read, when nothing recorded writes it).
public struct LineageDatasetSummary: Sendable, Equatable {
    public let name: String
    public let pipeline: PipelineID
    public let task: TaskID
    public let run: RunID
    public let time: Date
    public let written: Bool
    public let rows: Int?
}

extension Store {
    /// Adds ` AND <column> IN (…)` for a scoped reader's pipelines (never empty: the caller answers nothing then).
    static func narrow(_ sql: inout String, _ arguments: inout [any DatabaseValueConvertible], column: String, to pipelines: Set<PipelineID>) {
        sql += " AND \(column) IN (\(Array(repeating: "?", count: pipelines.count).joined(separator: ", ")))"
        arguments += pipelines.map(\.rawValue).sorted()
    }

    /// Indexes the datasets of a completed attempt's event for the graph.
    static func insertLineageDatasets(inputs: [AttemptReport.Dataset], outputs: [AttemptReport.Dataset], event: Int64, in db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO lineageDataset (name, output, eventID) VALUES (?, ?, ?)")
        for dataset in inputs { try statement.execute(arguments: [dataset.name, 0, event]) }
        for dataset in outputs { try statement.execute(arguments: [dataset.name, 1, event]) }
    }

    /// The datasets seen lately, newest first, each once: those whose name contains `matching` when given, of
    /// `pipelines` only when given (a scoped reader).
    public func lineageDatasets(matching: String? = nil, pipelines: Set<PipelineID>? = nil, limit: Int = 100) throws(StoreError) -> [LineageDatasetSummary] {
        try read("lineage datasets") { db in
            var sql = """
                SELECT d.name, d.output, e.pipelineID, e.taskID, e.runID, e.eventTime, e.datasets FROM lineageDataset d
                JOIN lineageEvent e ON e.id = d.eventID WHERE 1
                """
            var arguments: [any DatabaseValueConvertible] = []
            if let matching, !matching.isEmpty {
                sql += " AND instr(d.name, ?) > 0"
                arguments.append(matching)
            }
            if let pipelines {
                guard !pipelines.isEmpty else { return [] }
                Store.narrow(&sql, &arguments, column: "e.pipelineID", to: pipelines)
            }
            // Newest event first; a name's writer before its readers of the same event age.
            sql += " ORDER BY e.id DESC, d.output DESC"
            var seen: [String: LineageDatasetSummary] = [:]
            var order: [String] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try rows.next(), order.count < limit {
                let name: String = row[0]
                let written = (row[1] as Int) == 1
                if let known = seen[name], known.written || !written { continue }
                let (inputs, outputs) = LineageEvent.decodeDatasets(row[6] as String?)
                let rowCount = (written ? outputs : inputs).first { $0.name == name }?.rows
                if seen[name] == nil { order.append(name) }
                seen[name] = LineageDatasetSummary(
                    name: name, pipeline: PipelineID(rawValue: row[2]), task: TaskID(rawValue: row[3]), run: RunID(row[4] as Int64),
                    time: Date(timeIntervalSince1970: row[5]), written: written, rows: rowCount)
            }
            return order.compactMap { seen[$0] }
        }
    }

    /// The graph around `dataset`: at most `perDataset` of the newest writers and readers of each dataset met, and
    /// `limit` jobs in all on each side; of `pipelines` only when given.
    public func lineageGraph(
        around dataset: String, pipelines: Set<PipelineID>? = nil, perDataset: Int = 3, limit: Int = 40
    ) throws(StoreError) -> LineageGraph {
        try read("lineage graph") { db in
            var truncated = false
            func walk(output: Bool) throws -> [LineageGraph.Job] {
                var jobs: [LineageGraph.Job] = []
                var seenJobs: Set<Int64> = []
                var seenDatasets: Set<String> = [dataset]
                var frontier = [dataset]
                while !frontier.isEmpty {
                    var next: [String] = []
                    for name in frontier {
                        for job in try Self.jobs(touching: name, output: output, pipelines: pipelines, limit: perDataset, in: db)
                        where !seenJobs.contains(job.event) {
                            guard jobs.count < limit else {
                                truncated = true
                                return jobs
                            }
                            seenJobs.insert(job.event)
                            jobs.append(job)
                            // Upstream goes on through what the writer read; downstream through what the reader wrote.
                            for further in (output ? job.inputs : job.outputs).map(\.name) where seenDatasets.insert(further).inserted {
                                next.append(further)
                            }
                        }
                    }
                    frontier = next
                }
                return jobs
            }
            let upstream = try walk(output: true)
            let downstream = try walk(output: false)
            return LineageGraph(dataset: dataset, upstream: upstream, downstream: downstream, truncated: truncated)
        }
    }

    /// The newest completed attempts that wrote (`output`) or read `name`.
    private static func jobs(touching name: String, output: Bool, pipelines: Set<PipelineID>?, limit: Int, in db: Database) throws -> [LineageGraph.Job] {
        var sql = """
            SELECT e.id, e.eventTime, e.pipelineID, e.runID, e.taskID, e.attempt, e.logicalDate, e.datasets FROM lineageDataset d
            JOIN lineageEvent e ON e.id = d.eventID WHERE d.name = ? AND d.output = ?
            """
        var arguments: [any DatabaseValueConvertible] = [name, output ? 1 : 0]
        if let pipelines {
            guard !pipelines.isEmpty else { return [] }
            Store.narrow(&sql, &arguments, column: "e.pipelineID", to: pipelines)
        }
        sql += " ORDER BY d.eventID DESC LIMIT ?"
        arguments.append(limit)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            let (inputs, outputs) = LineageEvent.decodeDatasets(row[7] as String?)
            return LineageGraph.Job(
                event: row[0], pipeline: PipelineID(rawValue: row[2]),
                attempt: AttemptKey(taskRun: TaskRunKey(run: RunID(row[3] as Int64), task: TaskID(rawValue: row[4])), number: row[5]),
                logicalDate: Date(timeIntervalSince1970: row[6]), time: Date(timeIntervalSince1970: row[1]), inputs: inputs, outputs: outputs)
        }
    }
}
