import Foundation
import Scheduler
import SchedulerTesting
import StandIns
import Testing

@testable import Jobs

/// The SQL Server warehouse through FreeTDS against the TDS stand-in: the contract's tables arrive exactly (the
/// stand-in decodes the bulk-load stream's DECIMAL, BIGINT and NVARCHAR values), a second load replaces the first,
/// and a load that fails at any step leaves the previous analysis whole. db-lib blocks: calls run on a thread.
@Suite(.timeLimit(.minutes(1)), .serialized) struct SQLServerWarehouseTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    private static let names = ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"]

    /// The contract's three tables of a fixture, as the load step hands them over.
    private static func tables(seed: Int) throws -> [WarehouseTable] {
        try names.map { name in
            let text = try String(contentsOf: fixtures.appendingPathComponent("sales-batch-seed\(seed)/expected/\(name).csv"), encoding: .utf8)
            let columns = try #require(AfricaTrendsJob.tables.first { $0.name == name }).columns
            let rows = text.split(separator: "\n").dropFirst().map { line in
                line.split(separator: ",", omittingEmptySubsequences: false).map { $0.isEmpty ? nil : String($0) }
            }
            return WarehouseTable(name: name, columns: columns, rows: rows)
        }
    }

    private static func expected(seed: Int, _ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent("sales-batch-seed\(seed)/expected/\(name).csv"), encoding: .utf8)
    }

    private func warehouse(_ server: SQLServerStandIn, password: String? = nil) -> SQLServerWarehouse {
        let settings = SQLServerSettings(host: "127.0.0.1", port: server.port, database: "sales", user: server.user, password: SettingSecret(.environment("UNUSED")))
        return SQLServerWarehouse(settings: settings, password: password ?? server.password, server: "127.0.0.1:\(server.port)")
    }

    @Test func theContractTablesArriveExactlyAndALoadReplacesThePrevious() async throws {
        let server = try SQLServerStandIn()
        let warehouse = warehouse(server)
        let first = try Self.tables(seed: 7)
        try await onThread { try warehouse.replace(first, run: "africa-trends/1") }
        for name in Self.names { #expect(server.csv(name) == (try Self.expected(seed: 7, name)), "\(name)") }
        let second = try Self.tables(seed: 1)
        try await onThread { try warehouse.replace(second, run: "africa-trends/2") }
        for name in Self.names { #expect(server.csv(name) == (try Self.expected(seed: 1, name)), "\(name), replaced whole") }
        #expect(server.tableNames == ["dbo.africa_country_trends", "dbo.africa_monthly_sales", "dbo.africa_region_trends", "dbo.load_history"])
        #expect(server.rows("load_history")?.map { $0[1] } == ["africa-trends/1", "africa-trends/2"])
        #expect(server.bulkRows["dbo.africa_monthly_sales__load"] == first[0].rows.count + second[0].rows.count, "every row by bulk copy")
        #expect(server.violations.isEmpty, "\(server.violations)")
    }

    @Test(arguments: [
        ("sp_rename", 1, 15248, "Either the parameter @objname is ambiguous"),
        ("insert bulk", 2, 9002, "The transaction log for database 'sales' is full due to 'LOG_BACKUP'."),
        ("INSERT INTO [dbo].[load_history]", 0, 1105, "Could not allocate space for object 'dbo.load_history'"),
    ])
    func aFailedLoadLeavesThePreviousAnalysisWhole(statement: String, after: Int, number: Int, message: String) async throws {
        let server = try SQLServerStandIn()
        let warehouse = warehouse(server)
        let good = try Self.tables(seed: 7)
        try await onThread { try warehouse.replace(good, run: "good") }
        server.fail(statementContaining: statement, number: number, message: message, after: after)
        let other = try Self.tables(seed: 1)
        await #expect { try await onThread { try warehouse.replace(other, run: "bad") } } throws: {
            "\($0)".contains("Msg \(number)") && "\($0)".contains(message)
        }
        for name in Self.names { #expect(server.csv(name) == (try Self.expected(seed: 7, name)), "\(name) as the good load left it") }
        #expect(server.rows("load_history")?.count == 1)
        #expect(!server.tableNames.contains { $0.hasSuffix("__load") }, "what was staged is dropped: \(server.tableNames)")
    }

    @Test func aWrongPasswordIsSaidPlainlyAndChangesNothing() async throws {
        let server = try SQLServerStandIn()
        let warehouse = warehouse(server, password: "not-it")
        let tables = try Self.tables(seed: 7)
        await #expect { try await onThread { try warehouse.replace(tables, run: "r") } } throws: { "\($0)".contains("Login failed for user 'loader'") }
        #expect(server.tableNames.isEmpty)
    }
}
