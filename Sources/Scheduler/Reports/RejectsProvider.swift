public import Foundation

/// The rows a batch run rejected, as the API serves them. `Jobs` conforms (its `BatchHub`), so that `WebUI` serves
/// them without importing `Jobs`.
public protocol RejectsProvider: Sendable {
    /// The rejects of the run of `pipeline` at `logicalDate`, `limit` rows from `offset`, personal fields masked;
    /// nil when no step of that run published rejects.
    func rejects(pipeline: PipelineID, logicalDate: Date, offset: Int, limit: Int) throws -> RunRejects?
}

public struct RunRejects: Sendable, Equatable {
    public struct Rejected: Sendable, Equatable {
        public let file: String
        public let line: Int
        public let reason: String
        public let detail: String
        /// The row by column name; personal columns masked.
        public let fields: [String: String]

        public init(file: String, line: Int, reason: String, detail: String, fields: [String: String]) {
            self.file = file
            self.line = line
            self.reason = reason
            self.detail = detail
            self.fields = fields
        }
    }

    /// Rows rejected in all.
    public let total: Int
    /// `reason,rows`, one line per reason sorted by reason: the contract's `rejects.csv`.
    public let reasonsCSV: String
    public let rows: [Rejected]

    public init(total: Int, reasonsCSV: String, rows: [Rejected]) {
        self.total = total
        self.reasonsCSV = reasonsCSV
        self.rows = rows
    }
}
