import Synchronization

/// What a job tells of its work besides how it ended: the datasets it read and wrote and figures (rows, bytes),
/// for lineage and the panel. Kinds record it through `JobContext.reporter`; the runner returns it with the outcome.
public struct AttemptReport: Sendable, Equatable {
    /// A dataset a job read or wrote, named as lineage names it (`lake/curated/sales/2025-03`, `kafka://sales.events`).
    public struct Dataset: Sendable, Equatable {
        public var name: String
        public var rows: Int?
        public var bytes: Int?
        /// SHA-256 of the content, hex, when the job computed it.
        public var checksum: String?
        /// Its columns (name, type), when the job knows them.
        public var schema: [Column]

        public struct Column: Sendable, Equatable {
            public let name: String
            public let type: String
            public init(name: String, type: String) {
                self.name = name
                self.type = type
            }
        }

        public init(name: String, rows: Int? = nil, bytes: Int? = nil, checksum: String? = nil, schema: [Column] = []) {
            self.name = name
            self.rows = rows
            self.bytes = bytes
            self.checksum = checksum
            self.schema = schema
        }
    }

    public var inputs: [Dataset] = []
    public var outputs: [Dataset] = []
    public var figures: [String: Double] = [:]

    public init() {}
}

/// Where a running job records its report; safe to use from any of the job's tasks.
public final class AttemptReporter: Sendable {
    private let state = Mutex(AttemptReport())

    public init() {}

    public func read(_ dataset: AttemptReport.Dataset) { state.withLock { $0.inputs.append(dataset) } }
    public func wrote(_ dataset: AttemptReport.Dataset) { state.withLock { $0.outputs.append(dataset) } }
    public func figure(_ name: String, _ value: Double) { state.withLock { $0.figures[name] = value } }

    public var report: AttemptReport { state.withLock { $0 } }
}

/// How an attempt ended, and what its job reported.
public struct AttemptResult: Sendable, Equatable {
    public let outcome: AttemptOutcome
    public let report: AttemptReport

    public init(outcome: AttemptOutcome, report: AttemptReport = AttemptReport()) {
        self.outcome = outcome
        self.report = report
    }
}
