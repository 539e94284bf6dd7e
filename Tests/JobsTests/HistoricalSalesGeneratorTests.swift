import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// The project's own sales generator: reproducible, of the contract's shape, a few rows broken on purpose.
@Suite struct HistoricalSalesGeneratorTests {
    @Test func sameSeedSameFilesAndTheRulesFindTheBrokenRows() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        defer { first.remove(); second.remove() }
        var generator = HistoricalSalesGenerator(rows: 4000, files: 4, seed: 9)
        generator.badFraction = 0.02
        let files = try generator.write(to: first.url)
        try generator.write(to: second.url)
        for file in files {
            #expect(try Data(contentsOf: file) == Data(contentsOf: second.url.appendingPathComponent("sales/\(file.lastPathComponent)")))
        }
        let rates = try FXRates(csv: String(contentsOf: first.appending("fx_rates.csv"), encoding: .utf8))
        var accepted = 0
        var reasons: [SaleRowRules.Reason: Int] = [:]
        var figures = AfricaFigures()
        try SalesExtraction(files: try SalesExtraction.files(at: first.appending("sales").path), rates: rates).run(
            accepted: {
                accepted += 1
                figures.count($0)
            }, rejected: { reasons[$0.cause.reason, default: 0] += 1 })
        let rejected = reasons.values.reduce(0, +)
        #expect(accepted + rejected == 4000)
        #expect((40...140).contains(rejected), "about 2% broken: \(reasons)")
        #expect(reasons.keys.count >= 6, "most kinds of breakage: \(reasons)")
        #expect(figures.trends(byRegion: true).count == 5, "every African region has sales")
        #expect(figures.asOf == "2025-12")
    }
}
