import Foundation
import GRDB
import Scheduler

/// The warehouse as a SQLite file (the embedded default): the contract's tables, named and shaped as its section 4
/// says, replaced in one transaction per load; `load_history` says which run each load came from.
struct SQLiteWarehouse: Warehouse {
    let path: String
    /// A pool: WAL mode, so that Power BI (or any reader) reads the last load while the next one is written.
    private let queue: DatabasePool

    init(path: String) throws {
        self.path = path
        SQLiteProcess.configure()
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
        queue = try DatabasePool(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS load_history (loaded_at TEXT NOT NULL, run TEXT NOT NULL, tables TEXT NOT NULL, rows INTEGER NOT NULL)
                """)
        }
    }

    var namespace: String { "sqlite://\(path)" }

    func replace(_ tables: [WarehouseTable], run: String) throws {
        try queue.write { db in
            for table in tables {
                let columns = table.columns.map { "\(Self.quoted($0.name)) \(Self.sqlType($0.type))" }.joined(separator: ", ")
                try db.execute(sql: "DROP TABLE IF EXISTS \(Self.quoted(table.name))")
                try db.execute(sql: "CREATE TABLE \(Self.quoted(table.name)) (\(columns))")
                let marks = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
                let insert = try db.makeStatement(sql: "INSERT INTO \(Self.quoted(table.name)) VALUES (\(marks))")
                for row in table.rows {
                    let values: [(any DatabaseValueConvertible)?] = zip(row, table.columns).map { value, column in
                        guard let value else { return nil }
                        return column.type == .integer ? Int64(value) : value
                    }
                    try insert.execute(arguments: StatementArguments(values))
                }
            }
            try db.execute(
                sql: "INSERT INTO load_history (loaded_at, run, tables, rows) VALUES (?, ?, ?, ?)",
                arguments: [ISO8601DateFormatter().string(from: Date()), run, tables.map(\.name).joined(separator: ","), tables.reduce(0) { $0 + $1.rows.count }])
        }
    }

    /// Money and fractions are kept as their exact decimal text (SQLite has no decimal type; its REAL would round
    /// them): a reader converts the text to a decimal.
    private static func sqlType(_ type: WarehouseTable.ColumnType) -> String {
        switch type {
        case .integer: "INTEGER"
        case .text, .money, .fraction: "TEXT"
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
