import Foundation
import Testing

@testable import Jobs

/// The batch analysis against the contract's reference (`gen_sales.py batch`, committed with its expected tables):
/// every reject reason counted, the three tables byte for byte.
@Suite struct AfricaFiguresTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private struct Outcome {
        var figures = AfricaFigures()
        var rejects: [RejectedRow] = []
        var rejectsCSV: String {
            let counts = Dictionary(grouping: rejects, by: \.cause.reason.rawValue).mapValues(\.count)
            return (["reason,rows"] + counts.keys.sorted().map { "\($0),\(counts[$0]!)" }).joined(separator: "\n") + "\n"
        }
    }

    private func analyse(_ fixture: String) throws -> Outcome {
        let root = Self.fixtures.appendingPathComponent(fixture)
        let rates = try FXRates(csv: String(contentsOf: root.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
        let extraction = SalesExtraction(files: try SalesExtraction.files(at: root.appendingPathComponent("sales").path), rates: rates)
        var outcome = Outcome()
        try extraction.run(accepted: { outcome.figures.count($0) }, rejected: { outcome.rejects.append($0) })
        return outcome
    }

    private func expected(_ fixture: String, _ table: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent("\(fixture)/expected/\(table).csv"), encoding: .utf8)
    }

    @Test(arguments: ["sales-batch-seed1", "sales-batch-seed7"])
    func theContractTablesAndRejectsAreExact(fixture: String) throws {
        let outcome = try analyse(fixture)
        #expect(outcome.rejectsCSV == (try expected(fixture, "rejects")))
        #expect(AfricaTables.monthlySales(outcome.figures) == (try expected(fixture, "africa_monthly_sales")))
        #expect(AfricaTables.countryTrends(outcome.figures) == (try expected(fixture, "africa_country_trends")))
        #expect(AfricaTables.regionTrends(outcome.figures) == (try expected(fixture, "africa_region_trends")))
    }

    /// Every rejected row points at its file and line, kept whole: its fields are those of that line in the file.
    @Test func rejectsPointAtTheirLine() throws {
        let outcome = try analyse("sales-batch-seed7")
        let plain = try #require(outcome.rejects.first { $0.file == "sales-002.csv" && $0.cause.reason != .malformedRow })
        let lines = try String(contentsOf: Self.fixtures.appendingPathComponent("sales-batch-seed7/sales/sales-002.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        // The generator writes no quoted line breaks in this file: line N is record N.
        #expect(lines[plain.line - 1].split(separator: ",", omittingEmptySubsequences: false).count == plain.fields.count)
        #expect(lines[plain.line - 1].hasPrefix(plain.fields[0]))
        #expect(Set(outcome.rejects.map(\.file)).isSubset(of: ["sales-001.csv", "sales-002.csv", "sales-003.csv.gz", "sales-004.csv", "sales-005.csv"]))
    }
}
