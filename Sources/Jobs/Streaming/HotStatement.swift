import GRDB
import GRDBSQLite

/// A statement GRDB prepared and caches, bound and stepped through SQLite's C API directly: for the few statements
/// a figures commit runs per event, where GRDB's argument arrays and row objects cost more than SQLite itself
/// (`perf`: sqlite3_step was a tenth of the commit). Use inside the `Database` access that made it; every call
/// leaves the statement reset for the next.
struct HotStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    /// Tells SQLite to copy a bound text or blob (its memory is Swift's, gone after the call).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    enum Value {
        case integer(Int64)
        case text(String)
        case blob([UInt8])
        case null

        static func bool(_ value: Bool) -> Value { .integer(value ? 1 : 0) }
        static func optionalText(_ value: String?) -> Value { value.map(Value.text) ?? .null }
    }

    /// Runs the statement with `values` and calls `row` for each result row. - Throws: `DatabaseError`.
    func run(_ values: Value..., row: ((Row) throws -> Void)? = nil) throws {
        let handle = self.handle
        // Every parameter is bound again by the next call: no need to clear them.
        defer { sqlite3_reset(handle) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(var text):
                // (A null pointer would bind NULL: an empty text is bound as the literal "".)
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        guard let start = chars.baseAddress, !chars.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, nil) }
                        return sqlite3_bind_text(handle, index, start, Int32(chars.count), Self.transient)
                    }
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    guard let start = raw.baseAddress, !raw.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    return sqlite3_bind_blob(handle, index, start, Int32(raw.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            try row?(Row(handle: handle))
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let database = sqlite3_db_handle(handle)
        return DatabaseError(
            resultCode: ResultCode(rawValue: code), message: database.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }, sql: statement.sql)
    }

    /// The current result row's columns, valid until the next step.
    struct Row {
        fileprivate let handle: OpaquePointer

        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
        func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
        func bool(_ column: Int32) -> Bool { integer(column) != 0 }

        func text(_ column: Int32) -> String? {
            guard let bytes = sqlite3_column_text(handle, column) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
        }

        func blob(_ column: Int32) -> [UInt8] {
            guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
        }
    }
}
