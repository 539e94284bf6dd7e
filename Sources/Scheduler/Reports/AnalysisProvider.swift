public import Foundation

/// The tables a batch run published for people to read (the lake's analysis zone), as the API and the panel's
/// reports serve them. `Jobs` conforms (its `BatchHub`), so that `WebUI` serves them without importing `Jobs`.
public protocol AnalysisProvider: Sendable {
    /// The tables the run of `pipeline` at `logicalDate` published, in name order; nil when it published none.
    func analysis(pipeline: PipelineID, logicalDate: Date) throws -> [AnalysisTable]?
    /// The names of those tables alone (from the manifests: no table read); nil when it published none.
    func analysisTableNames(pipeline: PipelineID, logicalDate: Date) throws -> [String]?
}

/// One table of an analysis: its columns and rows (nil: NULL, an empty field in the file), and the file the lake
/// holds (CSV, header first) for download.
public struct AnalysisTable: Sendable, Equatable {
    public let name: String
    public let columns: [String]
    public let rows: [[String?]]
    public let csv: String

    public init(name: String, columns: [String], rows: [[String?]], csv: String) {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.csv = csv
    }
}
