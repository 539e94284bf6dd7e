public import Foundation

/// Validation and the contract's three tables straight from the sales files, nothing written: what the batch
/// benchmark times against DuckDB doing the same work.
public enum AfricaAnalysis {
    public struct Outcome: Sendable {
        /// File name (`africa_monthly_sales.csv`…) → its CSV text.
        public let tables: [String: String]
        public let accepted: Int
        /// `reason,rows`, as the contract's `rejects.csv`.
        public let rejectsCSV: String
    }

    public static func run(sales: String, fxRates: URL) throws -> Outcome {
        let rates = try FXRates(csv: String(contentsOf: fxRates, encoding: .utf8))
        var reasons: [String: Int] = [:]
        var extraction = SalesExtraction(files: try SalesExtraction.files(at: sales), rates: rates)
        extraction.countsFigures = true
        let outcome = try extraction.run(accepted: nil, rejected: { reasons[$0.cause.reason.rawValue, default: 0] += 1 })
        let figures = outcome.figures
        let rejects = "reason,rows\n" + reasons.keys.sorted().map { "\($0),\(reasons[$0]!)\n" }.joined()
        return Outcome(
            tables: [
                "africa_monthly_sales.csv": AfricaTables.monthlySales(figures), "africa_country_trends.csv": AfricaTables.countryTrends(figures),
                "africa_region_trends.csv": AfricaTables.regionTrends(figures),
            ], accepted: outcome.accepted, rejectsCSV: rejects)
    }
}
