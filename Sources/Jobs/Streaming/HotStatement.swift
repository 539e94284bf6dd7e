import GRDB
import GRDBSQLite

/// A statement GRDB prepared and caches, bound and stepped through SQLite's C API directly: for the few statements
/// a figures commit runs per event, where GRDB's argument arrays and row objects cost more than SQLite itself
/// (`perf`: sqlite3_step was a tenth of the commit). Use inside the `Database` access that made it; every call
/// leaves the statement reset for the next.
struct HotStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    /// `SQLITE_STATIC`: tells SQLite a bound text or blob stays where it is until the statement is done with it.
    private static let `static`: sqlite3_destructor_type? = nil
    /// `SQLITE_TRANSIENT`: tells SQLite to copy it.
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
        try run(values, row: row)
    }

    /// The same, with the values in an array.
    func run(_ values: [Value], row: ((Row) throws -> Void)? = nil) throws {
        defer {
            sqlite3_reset(handle)
            // The bytes bound are gone after this call: no pointer to them stays in the statement GRDB caches.
            sqlite3_clear_bindings(handle)
        }
        try values.withUnsafeBufferPointer { values in try bind(values, from: 0, row: row) }
    }

    /// Binds `values[first]` and the ones after it, then steps. Text and blobs are bound where they lie
    /// (`SQLITE_STATIC`), so each is bound inside the access to its bytes and the statement steps inside them all:
    /// SQLite then copies none of them (a copy was an allocation per text, three or four an event). The values are
    /// walked by index in place (a slice per value retained and released the array at every step).
    private func bind(_ values: UnsafeBufferPointer<Value>, from first: Int, row: ((Row) throws -> Void)?) throws {
        guard first < values.count else { return try step(row: row) }
        let index = Int32(first + 1)
        let rest = first + 1
        switch values[first] {
        case .integer(let number):
            try check(sqlite3_bind_int64(handle, index, number))
            try bind(values, from: rest, row: row)
        case .null:
            try check(sqlite3_bind_null(handle, index))
            try bind(values, from: rest, row: row)
        case .text(var text):
            try text.withUTF8 { bytes in
                if let start = bytes.baseAddress, !bytes.isEmpty {
                    try check(sqlite3_bind_text(handle, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.static))
                } else {
                    // (A null pointer would bind NULL: an empty text is bound as the literal "", which SQLite copies.)
                    try check(sqlite3_bind_text(handle, index, "", 0, Self.transient))
                }
                try bind(values, from: rest, row: row)
            }
        case .blob(let bytes):
            try bytes.withUnsafeBytes { raw in
                if let start = raw.baseAddress, !raw.isEmpty {
                    try check(sqlite3_bind_blob(handle, index, start, Int32(raw.count), Self.static))
                } else {
                    try check(sqlite3_bind_zeroblob(handle, index, 0))
                }
                try bind(values, from: rest, row: row)
            }
        }
    }

    private func step(row: ((Row) throws -> Void)?) throws {
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            try row?(Row(handle: handle))
        }
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw error(code) }
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
