import Connectors
import Foundation
import SchedulerTesting
import StandIns
import Testing

/// Our connection over FreeTDS's db-lib against the TDS stand-in: the login (and a wrong password, in SQL Server's
/// words), statements, and rows sent by db-lib's bulk copy, decoded by the stand-in from the TDS bulk-load stream
/// with the types it described (NVARCHAR, BIGINT, DECIMAL, NULLs). db-lib blocks: each call runs on a thread of its own.
@Suite(.timeLimit(.minutes(1)), .serialized) struct SQLServerTests {
    private func options(_ server: SQLServerStandIn, password: String? = nil) -> SQLServerConnection.Options {
        SQLServerConnection.Options(server: "127.0.0.1:\(server.port)", database: "sales", user: server.user, password: password ?? server.password)
    }

    @Test func rowsGoInByBulkCopyWithTheirTypes() async throws {
        let server = try SQLServerStandIn()
        let options = options(server)
        let rows: [[String?]] = [
            ["2025-01", "NG", "12", "1234567.89", "0.1234567891", nil],
            ["2025-02", "Côte d’Ivoire", "-3", "-0.50", "-12.0000000001", "x"],
            ["2025-03", "KE", "9007199254740993", "0.00", nil, "🚗 Nairobi"],
        ]
        let copied = try await onThread {
            try SQLServerConnection.exclusively {
                let connection = try SQLServerConnection(options)
                try connection.execute("""
                    SET XACT_ABORT ON;
                    IF OBJECT_ID(N'[dbo].[t]', N'U') IS NOT NULL DROP TABLE [dbo].[t];
                    CREATE TABLE [dbo].[t] ([month] NVARCHAR(200) NOT NULL, [country] NVARCHAR(200) NOT NULL, [units] BIGINT NOT NULL, [revenue] DECIMAL(19,2) NOT NULL, [share] DECIMAL(28,10) NULL, [note] NVARCHAR(200) NULL)
                    """)
                return try connection.bulkCopy(into: "[dbo].[t]", columns: [.nvarchar, .nvarchar, .converted, .converted, .converted, .nvarchar], rows: rows)
            }
        }
        #expect(copied == 3)
        #expect(server.rows("dbo.t") == rows, "every value as sent, through FreeTDS's conversions and the TDS types")
        #expect(server.logins == ["loader@sales (autooptimize)"])
        #expect(server.violations.isEmpty, "\(server.violations)")
        #expect(server.statements.contains { $0.hasPrefix("SET FMTONLY ON select * from [dbo].[t]") }, "\(server.statements)")
        #expect(server.statements.contains { $0.lowercased().hasPrefix("insert bulk [dbo].[t]") }, "\(server.statements)")
    }

    @Test func aWrongPasswordIsRefusedInSQLServersWords() async throws {
        let server = try SQLServerStandIn()
        let options = options(server, password: "wrong")
        await #expect {
            try await onThread { try SQLServerConnection.exclusively { _ = try SQLServerConnection(options) } }
        } throws: { "\($0)".contains("Login failed for user 'loader'") }
        #expect(server.logins.isEmpty)
    }

    @Test func aRefusedStatementSaysWhatTheServerSaid() async throws {
        let server = try SQLServerStandIn()
        let options = options(server)
        server.fail(statementContaining: "CREATE TABLE", number: 1105, message: "Could not allocate space for object 'dbo.t' in database 'sales' because the 'PRIMARY' filegroup is full.")
        await #expect {
            try await onThread {
                try SQLServerConnection.exclusively { try SQLServerConnection(options).execute("CREATE TABLE [dbo].[t] ([a] INT NULL)") }
            }
        } throws: { "\($0)".contains("Msg 1105") && "\($0)".contains("filegroup is full") }
    }

    @Test func noServerIsSaidPlainly() async throws {
        let port = ReservedPort().port
        let options = SQLServerConnection.Options(server: "127.0.0.1:\(port)", database: "sales", user: "u", password: "p")
        await #expect {
            try await onThread { try SQLServerConnection.exclusively { _ = try SQLServerConnection(options) } }
        } throws: { "\($0)".contains("cannot log in to SQL Server 127.0.0.1:\(port)") }
    }
}
