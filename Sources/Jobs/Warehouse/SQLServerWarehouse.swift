import Connectors
import Foundation

/// The warehouse on SQL Server, through FreeTDS (`warehouse.sqlserver`): the contract's tables, named and shaped as
/// its section 4 says (money DECIMAL(19,2), fractions DECIMAL(28,10), counts BIGINT, text NVARCHAR). Each table is
/// first bulk-copied into a `<table>__load` table beside it; then one transaction (`XACT_ABORT ON`: any error rolls it
/// all back) drops the old tables, renames the new ones in and records the load in `load_history`. Power BI reads
/// one complete analysis before the switch and the next one after it; a failed load leaves the previous one whole.
struct SQLServerWarehouse: Warehouse {
    let settings: SQLServerSettings
    let options: SQLServerConnection.Options

    /// - Parameter server: `host:port`, or the `freetds.conf` section that carries the TLS settings.
    init(settings: SQLServerSettings, password: String, server: String) {
        self.settings = settings
        var options = SQLServerConnection.Options(server: server, database: settings.database, user: settings.user, password: password)
        options.queryTimeoutSeconds = settings.timeoutSeconds
        self.options = options
    }

    var namespace: String { "sqlserver://\(settings.host):\(settings.port)/\(settings.database).\(settings.schema)" }

    func replace(_ tables: [WarehouseTable], run: String) throws {
        try SQLServerConnection.exclusively {
            let connection = try SQLServerConnection(options)
            do {
                for table in tables {
                    let loading = name(table.name + "__load")
                    let columns = table.columns.map { "\(Self.bracket($0.name)) \(Self.sqlType($0.type)) NULL" }.joined(separator: ", ")
                    try connection.execute("""
                        SET XACT_ABORT ON;
                        IF OBJECT_ID(N'\(loading)', N'U') IS NOT NULL DROP TABLE \(loading);
                        CREATE TABLE \(loading) (\(columns))
                        """)
                    let kinds = table.columns.map { $0.type == .text ? SQLServerConnection.BulkColumn.nvarchar : .converted }
                    let copied = try connection.bulkCopy(into: loading, columns: kinds, rows: table.rows)
                    guard copied == table.rows.count else {
                        throw SQLServerError("SQL Server took \(copied) of the \(table.rows.count) rows of \(table.name)")
                    }
                }
                let history = name("load_history")
                var switchover = ["SET XACT_ABORT ON", "BEGIN TRANSACTION"]
                for table in tables {
                    switchover.append("IF OBJECT_ID(N'\(name(table.name))', N'U') IS NOT NULL DROP TABLE \(name(table.name))")
                    switchover.append("EXEC sp_rename N'\(name(table.name + "__load"))', N'\(table.name)'")
                }
                switchover.append("""
                    IF OBJECT_ID(N'\(history)', N'U') IS NULL CREATE TABLE \(history) ([loaded_at] DATETIME2 NULL, [run] NVARCHAR(200) NULL, \
                    [tables] NVARCHAR(4000) NULL, [rows] BIGINT NULL)
                    """)
                switchover.append("""
                    INSERT INTO \(history) ([loaded_at], [run], [tables], [rows]) VALUES (SYSUTCDATETIME(), \(Self.literal(run)), \
                    \(Self.literal(tables.map(\.name).joined(separator: ","))), \(tables.reduce(0) { $0 + $1.rows.count }))
                    """)
                switchover.append("COMMIT TRANSACTION")
                try connection.execute(switchover.joined(separator: ";\n"))
            } catch {
                // What was staged goes; the tables Power BI reads were not touched (or were rolled back).
                for table in tables { try? connection.execute("IF OBJECT_ID(N'\(name(table.name + "__load"))', N'U') IS NOT NULL DROP TABLE \(name(table.name + "__load"))") }
                throw error
            }
        }
    }

    private func name(_ table: String) -> String { "\(Self.bracket(settings.schema)).\(Self.bracket(table))" }

    static func bracket(_ name: String) -> String { "[" + name.replacingOccurrences(of: "]", with: "]]") + "]" }

    static func literal(_ text: String) -> String { "N'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    private static func sqlType(_ type: WarehouseTable.ColumnType) -> String {
        switch type {
        case .text: "NVARCHAR(200)"
        case .integer: "BIGINT"
        case .money: "DECIMAL(19,2)"
        case .fraction: "DECIMAL(28,10)"
        }
    }
}
