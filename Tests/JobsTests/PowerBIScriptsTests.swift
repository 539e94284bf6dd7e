import Foundation
import Testing

@testable import Jobs

/// The Power Query scripts shipped for Power BI name each contract table and exactly its columns, in order.
@Suite struct PowerBIScriptsTests {
    private static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../static/powerbi").standardized

    @Test func eachScriptTypesItsTablesColumns() throws {
        for table in AfricaTrendsJob.tables.prefix(3) {
            let script = try String(contentsOf: Self.directory.appendingPathComponent("\(table.name).pq"), encoding: .utf8)
            #expect(script.contains("Item = \"\(table.name)\""))
            let typed = try NSRegularExpression(pattern: #"\{"([a-z_0-9]+)", "#).matches(in: script, range: NSRange(script.startIndex..., in: script))
                .compactMap { Range($0.range(at: 1), in: script).map { String(script[$0]) } }
            #expect(typed == table.columns.map(\.name), "\(table.name)")
        }
    }
}
