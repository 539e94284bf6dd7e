public import Foundation
import GRDB

// MARK: - Database Access: Reads

extension Store {
    /// Which runs to list: newest first, `before` a run id for the next page.
    public struct RunFilter: Sendable {
        public var pipeline: PipelineID?
        /// Only runs of these pipelines (a scoped token's); `nil`: any.
        public var scope: Set<PipelineID>?
        public var state: RunState?
        public var before: RunID?
        /// Logical dates from `since` (included) to `until` (excluded).
        public var since: Date?
        public var until: Date?
        public var limit: Int

        public init(
            pipeline: PipelineID? = nil, state: RunState? = nil, before: RunID? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 50
        ) {
            self.pipeline = pipeline
            self.state = state
            self.before = before
            self.since = since
            self.until = until
            self.limit = limit
        }
    }

    /// A run with its task runs and their attempts.
    public struct RunDetail: Sendable {
        public let run: Run
        public let taskRuns: [TaskRun]
        public let attempts: [Attempt]
    }

    public func pipelineStates() throws(StoreError) -> [PipelineID: PipelineState] {
        try read("pipeline states") { db in
            let states = try Row.fetchAll(db, sql: "SELECT * FROM pipeline").map(PipelineState.init(row:))
            return Dictionary(uniqueKeysWithValues: states.map { ($0.id, $0) })
        }
    }

    /// Runs newest first, by keyset pagination on the id (stays fast however long the history).
    public func runs(_ filter: RunFilter = RunFilter()) throws(StoreError) -> [Run] {
        try read("runs") { db in try Self.runs(db, filter) }
    }

    private static func runs(_ db: Database, _ filter: RunFilter) throws -> [Run] {
        // Each filter given adds its condition and its value.
        let given: [(clause: String, value: (any DatabaseValueConvertible & Sendable)?)] = [
            ("pipelineID = ?", filter.pipeline?.rawValue), ("state = ?", filter.state?.rawValue), ("id < ?", filter.before?.rawValue),
            ("logicalDate >= ?", filter.since?.timeIntervalSince1970), ("logicalDate < ?", filter.until?.timeIntervalSince1970),
        ]
        let used = given.filter { $0.value != nil }
        var clauses = used.map(\.clause)
        var arguments = StatementArguments(used.map(\.value))
        if let scope = filter.scope {
            clauses.append(scope.isEmpty ? "0" : "pipelineID IN (\(Array(repeating: "?", count: scope.count).joined(separator: ", ")))")
            arguments += StatementArguments(scope.map(\.rawValue))
        }
        let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [filter.limit]
        return try Run.fetchAll(db, "\(condition) ORDER BY id DESC LIMIT ?", arguments)
    }

    /// The newest `limit` runs of each pipeline, in one read: the pipelines list's coloured squares.
    public func recentRuns(of pipelines: [PipelineID], limit: Int) throws(StoreError) -> [PipelineID: [Run]] {
        try read("recent runs") { db in
            var result: [PipelineID: [Run]] = [:]
            for pipeline in pipelines {
                result[pipeline] = try Run.fetchAll(db, "WHERE pipelineID = ? ORDER BY id DESC LIMIT ?", [pipeline.rawValue, limit])
            }
            return result
        }
    }

    /// Runs as `runs(_:)` gives them, each with its task runs: a pipeline's grid of runs × tasks.
    public func runsWithTasks(_ filter: RunFilter) throws(StoreError) -> [(run: Run, taskRuns: [TaskRun])] {
        try read("runs with their task runs") { db in
            let runs = try Self.runs(db, filter)
            guard !runs.isEmpty else { return [] }
            let ids = runs.map(\.id.rawValue)
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            let byRun = Dictionary(grouping: try TaskRun.fetchAll(db, "WHERE runID IN (\(marks))", StatementArguments(ids)), by: \.key.run)
            return runs.map { ($0, byRun[$0.id] ?? []) }
        }
    }

    /// The pipeline a run belongs to: what a scoped token's access to the run is checked against.
    public func pipeline(of run: RunID) throws(StoreError) -> PipelineID? {
        try read("the pipeline of run \(run)") { db in
            try String.fetchOne(db, sql: "SELECT pipelineID FROM run WHERE id = ?", arguments: [run.rawValue]).map { PipelineID($0) }
        }
    }

    public func run(_ id: RunID) throws(StoreError) -> RunDetail? {
        try read("run \(id)") { db in
            guard let run = try Run.fetchAll(db, "WHERE id = ?", [id.rawValue]).first else { return nil }
            let taskRuns = try TaskRun.fetchAll(db, "WHERE runID = ?", [id.rawValue])
            let attempts = try Row.fetchAll(
                db, sql: "SELECT * FROM attempt WHERE runID = ? ORDER BY taskID, number", arguments: [id.rawValue]
            ).map(Attempt.init(row:))
            return RunDetail(run: run, taskRuns: taskRuns, attempts: attempts)
        }
    }

    /// Runs not yet finished, oldest first, with their task runs and attempts: what recovery resumes.
    public func activeRuns() throws(StoreError) -> [RunDetail] {
        let ids = try read("active runs") { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM run WHERE state IN ('queued', 'running') ORDER BY id")
        }
        var details: [RunDetail] = []
        for id in ids {
            if let detail = try run(RunID(id)) { details.append(detail) }
        }
        return details
    }

    /// The highest run id ever given (0 when none), from which the engine numbers new runs.
    public func maxRunID() throws(StoreError) -> Int64 {
        try read("the highest run id") { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM run") ?? 0
        }
    }

    /// The run an idempotency key already created, if any.
    public func run(pipeline: PipelineID, idempotencyKey: String) throws(StoreError) -> Run? {
        try read("the run of an idempotency key") { db in
            try Run.fetchAll(db, "WHERE pipelineID = ? AND idempotencyKey = ?", [pipeline.rawValue, idempotencyKey]).first
        }
    }

    /// Logical dates that already have a scheduled or backfilled run, within `range`.
    public func scheduledDates(pipeline: PipelineID, in range: ClosedRange<Date>) throws(StoreError) -> Set<Date> {
        try read("scheduled dates of \(pipeline)") { db in
            let values = try Double.fetchAll(
                db, sql: """
                    SELECT logicalDate FROM run WHERE pipelineID = ? AND trigger IN ('schedule', 'backfill')
                    AND logicalDate BETWEEN ? AND ?
                    """,
                arguments: [pipeline.rawValue, range.lowerBound.timeIntervalSince1970, range.upperBound.timeIntervalSince1970])
            return Set(values.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Counts of runs by state, for status lines and metrics.
    public func runCounts() throws(StoreError) -> [RunState: Int] {
        try read("run counts") { db in
            var counts: [RunState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM run GROUP BY state") {
                if let state = RunState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Counts of attempts by state, for metrics.
    public func attemptCounts() throws(StoreError) -> [AttemptState: Int] {
        try read("attempt counts") { db in
            var counts: [AttemptState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM attempt GROUP BY state") {
                if let state = AttemptState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }
}
