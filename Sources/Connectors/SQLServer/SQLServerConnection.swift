import CFreeTDS
import Foundation
import Synchronization

/// A connection to SQL Server through FreeTDS's db-lib (TDS 7.4): statements, and rows sent with db-lib's bulk copy
/// (`bcp_*`, the TDS bulk-load stream SQL Server's own `bcp` uses). Its calls block: use it from a thread of one's
/// own, never on Swift's cooperative pool. db-lib's settings (timeouts, handlers) are process-wide, so connections
/// are made and used inside `SQLServerConnection.exclusively`, one at a time in a process.
public final class SQLServerConnection {
    public struct Options: Sendable {
        /// A `freetds.conf` section, or `host:port`.
        public var server: String
        public var database: String
        public var user: String
        public var password: String
        public var application = "autooptimize"
        public var loginTimeoutSeconds = 30
        public var queryTimeoutSeconds = 300

        public init(server: String, database: String, user: String, password: String) {
            self.server = server
            self.database = database
            self.user = user
            self.password = password
        }
    }

    private let process: OpaquePointer
    private let server: String

    private static let lock = Mutex<Void>(())

    /// Runs `body` while no other FreeTDS connection of this process is in use.
    public static func exclusively<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { _ in try body() }
    }

    /// Logs in. - Throws: `SQLServerError` with what FreeTDS and the server said (a wrong password is the server's
    /// "Login failed for user …").
    public init(_ options: Options) throws(SQLServerError) {
        if let failure = ao_tds_load() { throw SQLServerError(String(cString: failure)) }
        _ = ao_tds_take_messages()
        guard let login = ao_dblogin() else { throw SQLServerError("FreeTDS could not make a login record") }
        defer { ao_dbloginfree(login) }
        _ = ao_dbsetlname(login, options.user, DBSETUSER)
        _ = ao_dbsetlname(login, options.password, DBSETPWD)
        _ = ao_dbsetlname(login, options.application, DBSETAPP)
        _ = ao_dbsetlname(login, options.database, DBSETDBNAME)
        _ = ao_dbsetlname(login, "UTF-8", DBSETCHARSET)
        _ = ao_dbsetlversion(login, BYTE(DBVERSION_74))
        _ = ao_dbsetlbool(login, 1, DBSETBCP)
        _ = ao_dbsetlogintime(Int32(options.loginTimeoutSeconds))
        _ = ao_dbsettime(Int32(options.queryTimeoutSeconds))
        guard let process = ao_dbopen(login, options.server) else {
            throw SQLServerError("cannot log in to SQL Server \(options.server) as \(options.user)", said: Self.said())
        }
        self.process = process
        server = options.server
    }

    deinit { ao_dbclose(process) }

    /// Runs a batch of statements, reading (and dropping) any rows they return. - Throws: with the server's messages.
    public func execute(_ sql: String) throws(SQLServerError) {
        _ = ao_tds_take_messages()
        guard ao_dbcmd(process, sql) == SUCCEED, ao_dbsqlexec(process) == SUCCEED else {
            throw SQLServerError("SQL Server \(server) refused: \(Self.summary(sql))", said: Self.said())
        }
        var result = ao_dbresults(process)
        while result == SUCCEED {
            while ao_dbnextrow(process) != NO_MORE_ROWS {}
            result = ao_dbresults(process)
        }
        guard result == NO_MORE_RESULTS else { throw SQLServerError("SQL Server \(server) failed: \(Self.summary(sql))", said: Self.said()) }
        let said = Self.said()
        if !said.isEmpty { throw SQLServerError("SQL Server \(server) failed: \(Self.summary(sql))", said: said) }
    }

    /// How a column's text values travel in a bulk copy.
    public enum BulkColumn: Sendable {
        /// An NVARCHAR column: the text is sent as UTF-16LE, which db-lib passes through as the column's bytes.
        /// db-lib (FreeTDS 1.3) does not convert bound program variables from the client's charset to UCS-2 for
        /// N-types (FreeTDS issue #408: UTF-8 arrives garbled); a FreeTDS that did would convert this twice, which
        /// the stand-in's test of a non-ASCII name would show.
        case nvarchar
        /// Numbers and other types: db-lib converts the text to the column's type (DECIMAL, BIGINT…).
        case converted
    }

    /// Sends `rows` into `table` with db-lib's bulk copy (nil: NULL). Returns the rows the server took.
    /// - Throws: with what the library or the server said.
    public func bulkCopy(into table: String, columns: [BulkColumn], rows: [[String?]]) throws(SQLServerError) -> Int {
        _ = ao_tds_take_messages()
        guard ao_bcp_init(process, table, DB_IN) == SUCCEED else {
            throw SQLServerError("SQL Server \(server): cannot bulk-copy into \(table)", said: Self.said())
        }
        for column in 1...columns.count where ao_bcp_bind(process, nil, 0, -1, Int32(SYBCHAR), Int32(column)) != SUCCEED {
            throw SQLServerError("SQL Server \(server): cannot bind column \(column) of \(table)", said: Self.said())
        }
        for (index, row) in rows.enumerated() {
            // The row's values side by side in one buffer, which stays put while db-lib reads them.
            var bytes: [UInt8] = []
            var spans: [(offset: Int, length: Int)?] = []
            for (value, kind) in zip(row, columns) {
                guard let value else {
                    spans.append(nil)
                    continue
                }
                switch kind {
                case .nvarchar:
                    spans.append((bytes.count, value.utf16.count * 2))
                    for unit in value.utf16 { bytes += [UInt8(truncatingIfNeeded: unit), UInt8(truncatingIfNeeded: unit >> 8)] }
                case .converted:
                    spans.append((bytes.count, value.utf8.count))
                    bytes.append(contentsOf: value.utf8)
                }
            }
            bytes.append(0)
            let sent = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
                for (column, span) in spans.enumerated() {
                    let number = Int32(column + 1)
                    if let span {
                        guard ao_bcp_colptr(process, buffer.baseAddress! + span.offset, number) == SUCCEED,
                            ao_bcp_collen(process, DBINT(span.length), number) == SUCCEED
                        else { return false }
                    } else if ao_bcp_collen(process, 0, number) != SUCCEED {
                        return false
                    }
                }
                return ao_bcp_sendrow(process) == SUCCEED
            }
            guard sent else {
                _ = ao_bcp_done(process)
                throw SQLServerError("SQL Server \(server): row \(index + 1) of \(table) could not be sent", said: Self.said())
            }
        }
        let copied = ao_bcp_done(process)
        guard copied >= 0 else { throw SQLServerError("SQL Server \(server): the bulk copy into \(table) failed", said: Self.said()) }
        let said = Self.said()
        if !said.isEmpty { throw SQLServerError("SQL Server \(server): the bulk copy into \(table) failed", said: said) }
        return Int(copied)
    }

    private static func said() -> String { String(cString: ao_tds_take_messages()) }

    /// A statement's first line, for an error message.
    private static func summary(_ sql: String) -> String {
        let line = sql.split(whereSeparator: \.isNewline).first.map(String.init) ?? sql
        return line.count > 120 ? String(line.prefix(120)) + "…" : line
    }
}

/// What went wrong, with what FreeTDS and SQL Server said.
public struct SQLServerError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ what: String, said: String = "") {
        description = said.isEmpty ? what : "\(what): \(said)"
    }
}
