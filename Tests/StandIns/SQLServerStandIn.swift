import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP server that speaks TDS 7.4 as SQL Server 2022 does, for what the warehouse loader sends through FreeTDS:
/// PRELOGIN (no TLS: it answers that encryption is not supported), LOGIN7 (the password checked; a wrong one gets
/// SQL Server's error 18456), SQL batches of the statements the loader writes (listed in `execute`; anything else is
/// refused and recorded as a violation), db-lib's bulk copy (`SET FMTONLY ON select * from …` answered with the
/// table's COLMETADATA, `insert bulk …`, then the BULK LOAD message, whose rows it decodes by their TDS types), and
/// transactions with `XACT_ABORT` (an error rolls the whole transaction back). It keeps the tables it was told to
/// create, with their rows as text, and can fail chosen statements as SQL Server would.
public final class SQLServerStandIn: Sendable {
    public let port: Int
    private let listener: Int32
    private let box: Box
    public let user: String
    public let password: String

    struct Table: Sendable {
        var name: String
        var columns: [TDS.Column]
        var rows: [[String?]] = []
    }

    struct Fault: Sendable {
        let containing: String
        let number: Int
        let message: String
        var skip: Int
        var used = false
    }

    struct State: Sendable {
        /// Committed and in-flight tables by lower-cased `schema.name`.
        var tables: [String: Table] = [:]
        var statements: [String] = []
        var violations: [String] = []
        var logins: [String] = []
        var bulkRows: [String: Int] = [:]
        var faults: [Fault] = []
        /// Connections open now (a closed one leaves at once: its number may be reused by any other socket).
        var sessions: Set<Int32> = []
    }

    final class Box: Sendable {
        let state = Mutex(State())
    }

    public init(user: String = "loader", password: String = "Str0ng!Passw0rd") throws {
        self.user = user
        self.password = password
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound, listen(socket, 16) == 0 else {
            close(socket)
            throw StandInError(description: "the SQL Server stand-in cannot listen: \(String(cString: strerror(errno)))")
        }
        listener = socket
        port = Int(UInt16(bigEndian: address.sin_port))
        box = Box()
        let (box, user, password) = (box, user, password)
        // The accepting thread owns the listening socket and closes it when `deinit` shuts it down: closing it here
        // while accept() may still use its number could hand that number (and accept) to another socket.
        Thread.detachNewThread {
            defer { close(socket) }
            while true {
                let connection = accept(socket, nil, nil)
                guard connection >= 0 else { return }
                box.state.withLock { _ = $0.sessions.insert(connection) }
                Thread.detachNewThread { Session(fd: connection, box: box, user: user, password: password).run() }
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        // Only connections still open: shutting down a closed one's number would cut whatever socket reuses it.
        box.state.withLock { state in
            for session in state.sessions { shutdown(session, Int32(SHUT_RDWR)) }
        }
    }

    /// The next statement containing `text`, after `after` such statements pass, fails with SQL Server's `number`.
    public func fail(statementContaining text: String, number: Int, message: String, after: Int = 0) {
        box.state.withLock { $0.faults.append(Fault(containing: text.lowercased(), number: number, message: message, skip: after)) }
    }

    public var statements: [String] { box.state.withLock { $0.statements } }
    public var violations: [String] { box.state.withLock { $0.violations } }
    /// `user@database (application)` of each login that succeeded.
    public var logins: [String] { box.state.withLock { $0.logins } }
    /// Rows that arrived by bulk load, per table.
    public var bulkRows: [String: Int] { box.state.withLock { $0.bulkRows } }
    public var tableNames: [String] { box.state.withLock { $0.tables.values.map(\.name).sorted() } }

    /// A table as the contract's CSV writes it: a header, then each row, NULL as an empty field.
    public func csv(_ name: String) -> String? {
        box.state.withLock { state in
            guard let table = state.tables[Session.key(name)] else { return nil }
            let lines = [table.columns.map(\.name).joined(separator: ",")] + table.rows.map { $0.map { $0 ?? "" }.joined(separator: ",") }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    public func rows(_ name: String) -> [[String?]]? { box.state.withLock { $0.tables[Session.key(name)]?.rows } }
}

/// One client connection: its login, its transaction, its pending bulk load.
private final class Session {
    let fd: Int32
    let box: SQLServerStandIn.Box
    let user: String
    let password: String
    var database = "master"
    var xactAbort = false
    /// The tables as they were when the transaction began.
    var snapshot: [String: SQLServerStandIn.Table]?
    var bulkTarget: String?

    init(fd: Int32, box: SQLServerStandIn.Box, user: String, password: String) {
        self.fd = fd
        self.box = box
        self.user = user
        self.password = password
    }

    func run() {
        defer {
            // Closed under the lock that `deinit` shuts connections down under: never a number already reused.
            box.state.withLock { state in
                state.sessions.remove(fd)
                close(fd)
            }
        }
        do {
            while let (type, payload) = try readMessage() {
                switch TDS.PacketType(rawValue: type) {
                case .prelogin: try send(prelogin())
                case .login7:
                    let (answer, accepted) = try login(payload)
                    try send(answer)
                    if !accepted { return }
                case .sqlBatch: try send(batch(payload))
                case .bulkLoad: try send(bulkLoad(payload))
                case .attention: try send(TDS.done(status: TDS.doneAttention))
                default:
                    box.state.withLock { $0.violations.append("a TDS message of type 0x\(String(type, radix: 16)) the stand-in does not take") }
                    return
                }
            }
        } catch {
            box.state.withLock { $0.violations.append("session: \(error)") }
        }
    }

    // MARK: - Packets

    private func readExactly(_ count: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n == 0 {
                if got == 0 { return nil }
                throw StandInError(description: "TDS: the connection closed mid-packet")
            }
            if n < 0 { throw StandInError(description: "TDS: read failed: \(String(cString: strerror(errno)))") }
            got += n
        }
        return buffer
    }

    private func readMessage() throws -> (UInt8, [UInt8])? {
        var payload: [UInt8] = []
        var type: UInt8 = 0
        while true {
            guard let header = try readExactly(8) else { return nil }
            type = header[0]
            let length = Int(header[2]) << 8 | Int(header[3])
            guard length >= 8, let body = try readExactly(length - 8) else { throw StandInError(description: "TDS: a packet of \(length) bytes") }
            payload += body
            if header[1] & 0x01 != 0 { return (type, payload) }
        }
    }

    private func send(_ payload: [UInt8]) throws {
        let size = 4096 - 8
        var offset = 0
        var packet: UInt8 = 1
        repeat {
            let chunk = Array(payload[offset..<min(payload.count, offset + size)])
            offset += chunk.count
            let length = chunk.count + 8
            var bytes: [UInt8] = [TDS.PacketType.tabularResult.rawValue, offset >= payload.count ? 1 : 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, packet, 0]
            bytes += chunk
            packet &+= 1
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
                guard n > 0 else { throw StandInError(description: "TDS: write failed") }
                written += n
            }
        } while offset < payload.count
    }

    // MARK: - Login

    private func prelogin() -> [UInt8] {
        // VERSION 16.0.1000, ENCRYPTION not supported, INSTOPT, THREADID (empty), MARS off.
        let options: [(UInt8, [UInt8])] = [(0, [16, 0, 0x03, 0xE8, 0, 0]), (1, [2]), (2, [0]), (3, []), (4, [0])]
        var header: [UInt8] = []
        var data: [UInt8] = []
        let start = options.count * 5 + 1
        for (token, value) in options {
            let offset = start + data.count
            header += [token, UInt8(offset >> 8), UInt8(offset & 0xFF), UInt8(value.count >> 8), UInt8(value.count & 0xFF)]
            data += value
        }
        return header + [0xFF] + data
    }

    private func login(_ payload: [UInt8]) throws -> ([UInt8], Bool) {
        func field(_ at: Int) throws -> String {
            var reader = TDS.Reader(payload, offset: at)
            let offset = try reader.u16()
            let count = try reader.u16()
            var text = TDS.Reader(payload, offset: offset)
            return try text.text(count)
        }
        let userName = try field(40)
        var passwordReader = TDS.Reader(payload, offset: 44)
        let passwordOffset = try passwordReader.u16()
        let passwordCount = try passwordReader.u16()
        var scrambled = TDS.Reader(payload, offset: passwordOffset)
        // LOGIN7's password: each byte's nibbles swapped, then XOR 0xA5.
        let given = TDS.string(try scrambled.take(2 * passwordCount).map { byte in
            let plain = byte ^ 0xA5
            return plain << 4 | plain >> 4
        })
        let application = try field(48)
        let requested = try field(68)
        guard userName == user, given == password else {
            return (TDS.message(18456, "Login failed for user '\(userName)'.", severity: 14) + TDS.done(status: TDS.doneError), false)
        }
        database = requested.isEmpty ? "master" : requested
        box.state.withLock { $0.logins.append("\(userName)@\(database) (\(application))") }
        let answer = TDS.environmentChange(1, new: database, old: "master") + TDS.message(5701, "Changed database context to '\(database)'.", severity: 0, error: false)
            + TDS.collationChange() + TDS.environmentChange(2, new: "us_english", old: "") + TDS.environmentChange(4, new: "4096", old: "4096")
            + TDS.loginAcknowledgement() + TDS.done()
        return (answer, true)
    }

    // MARK: - Batches

    private func batch(_ payload: [UInt8]) throws -> [UInt8] {
        var reader = TDS.Reader(payload)
        let headers = try reader.u32()
        let sql = TDS.string(Array(payload[min(headers, payload.count)...])).trimmingCharacters(in: .whitespacesAndNewlines)
        box.state.withLock { $0.statements.append(sql) }
        if let table = Self.match(#"^SET FMTONLY ON select \* from (.+?) SET FMTONLY OFF$"#, sql)?.first {
            guard let found = box.state.withLock({ $0.tables[Self.key(table)] }) else {
                return TDS.message(208, "Invalid object name '\(table)'.", severity: 16) + TDS.done(status: TDS.doneError)
            }
            return TDS.columnMetadata(found.columns) + TDS.done(status: TDS.doneCount, rows: 0)
        }
        var answer: [UInt8] = []
        let statements = Self.split(sql)
        for (index, statement) in statements.enumerated() {
            let last = index == statements.count - 1
            do {
                let rows = try execute(statement)
                answer += TDS.done(status: (last ? 0 : TDS.doneMore) | (rows == nil ? 0 : TDS.doneCount), rows: UInt64(rows ?? 0))
            } catch let error as SQLError {
                if snapshot != nil, xactAbort {
                    box.state.withLock { $0.tables = snapshot ?? $0.tables }
                    snapshot = nil
                }
                return answer + TDS.message(error.number, error.message, severity: 16) + TDS.done(status: TDS.doneError)
            }
        }
        return answer
    }

    struct SQLError: Error {
        let number: Int
        let message: String
    }

    /// The statements the loader writes; nil rows for those that change none.
    private func execute(_ statement: String) throws -> Int? {
        let fault = box.state.withLock { state -> SQLStandInFault? in
            guard let index = state.faults.firstIndex(where: { !$0.used && statement.lowercased().contains($0.containing) }) else { return nil }
            if state.faults[index].skip > 0 {
                state.faults[index].skip -= 1
                return nil
            }
            state.faults[index].used = true
            return SQLStandInFault(number: state.faults[index].number, message: state.faults[index].message)
        }
        if let fault { throw SQLError(number: fault.number, message: fault.message) }
        if let table = Self.match(#"^insert bulk ((?:\[[^\]]+\]|[^\s.(]+)(?:\.(?:\[[^\]]+\]|[^\s(]+))?)"#, statement)?.first {
            guard box.state.withLock({ $0.tables[Self.key(table)] }) != nil else { throw SQLError(number: 208, message: "Invalid object name '\(table)'.") }
            bulkTarget = Self.key(table)
            return nil
        }
        if let setting = Self.match(#"^SET (\w+) (ON|OFF)$"#, statement) {
            if setting[0].uppercased() == "XACT_ABORT" { xactAbort = setting[1].uppercased() == "ON" }
            return nil
        }
        if Self.match(#"^BEGIN TRAN(SACTION)?$"#, statement) != nil {
            snapshot = box.state.withLock { $0.tables }
            return nil
        }
        if Self.match(#"^COMMIT( TRAN(SACTION)?)?$"#, statement) != nil {
            guard snapshot != nil else { throw SQLError(number: 3902, message: "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.") }
            snapshot = nil
            return nil
        }
        if Self.match(#"^ROLLBACK( TRAN(SACTION)?)?$"#, statement) != nil {
            if let snapshot { box.state.withLock { $0.tables = snapshot } }
            snapshot = nil
            return nil
        }
        if let parts = Self.match(#"^IF OBJECT_ID\(N'([^']+)'(?:, N'U')?\) IS NOT NULL DROP TABLE (.+)$"#, statement) {
            box.state.withLock { _ = $0.tables.removeValue(forKey: Self.key(parts[1])) }
            return nil
        }
        if let parts = Self.match(#"^IF OBJECT_ID\(N'([^']+)'(?:, N'U')?\) IS NULL (CREATE TABLE .+)$"#, statement) {
            if box.state.withLock({ $0.tables[Self.key(parts[0])] }) == nil { _ = try execute(parts[1]) }
            return nil
        }
        if let parts = Self.match(#"^DROP TABLE IF EXISTS (.+)$"#, statement) {
            box.state.withLock { _ = $0.tables.removeValue(forKey: Self.key(parts[0])) }
            return nil
        }
        if let parts = Self.match(#"^CREATE TABLE (\S+) \((.+)\)$"#, statement) {
            var columns: [TDS.Column] = []
            for definition in Self.split(parts[1], on: ",") {
                guard let column = Self.match(#"^(\[[^\]]+\]|\w+) (.+?)( NOT NULL| NULL)?$"#, definition.trimmingCharacters(in: .whitespaces)),
                    let type = TDS.ColumnType(declaration: column[1])
                else { throw SQLError(number: 102, message: "Incorrect syntax near '\(definition)' (a column the stand-in does not know)") }
                columns.append(TDS.Column(name: Self.unbracket(column[0]), type: type, nullable: column[2].uppercased() != " NOT NULL"))
            }
            let key = Self.key(parts[0])
            try box.state.withLock { state in
                guard state.tables[key] == nil else {
                    throw SQLError(number: 2714, message: "There is already an object named '\(Self.unbracket(parts[0]))' in the database.")
                }
                state.tables[key] = SQLServerStandIn.Table(name: key, columns: columns)
            }
            return nil
        }
        if let parts = Self.match(#"^EXEC sp_rename N'([^']+)', N'([^']+)'$"#, statement) {
            let from = Self.key(parts[0])
            let schema = from.split(separator: ".").first.map(String.init) ?? "dbo"
            let to = Self.key("\(schema).\(parts[1])")
            try box.state.withLock { state in
                guard var table = state.tables.removeValue(forKey: from) else {
                    throw SQLError(number: 15248, message: "Either the parameter @objname is ambiguous or the claimed @objtype (object) is wrong.")
                }
                guard state.tables[to] == nil else {
                    state.tables[from] = table
                    throw SQLError(number: 15335, message: "Error: The new name '\(parts[1])' is already in use as a object name and would cause a duplicate that is not permitted.")
                }
                table.name = to
                state.tables[to] = table
            }
            return nil
        }
        if let parts = Self.match(#"^INSERT INTO (\S+) \(([^)]*)\) VALUES \((.*)\)$"#, statement) {
            let key = Self.key(parts[0])
            let names = Self.split(parts[1], on: ",").map { Self.unbracket($0.trimmingCharacters(in: .whitespaces)).lowercased() }
            let values = try Self.split(parts[2], on: ",").map { try Self.literal($0.trimmingCharacters(in: .whitespaces)) }
            try box.state.withLock { state in
                guard var table = state.tables[key] else { throw SQLError(number: 208, message: "Invalid object name '\(parts[0])'.") }
                guard names.count == values.count else { throw SQLError(number: 109, message: "There are more columns in the INSERT statement than values specified in the VALUES clause.") }
                table.rows.append(table.columns.map { column in names.firstIndex(of: column.name.lowercased()).flatMap { values[$0] } })
                state.tables[key] = table
            }
            return 1
        }
        box.state.withLock { $0.violations.append("a statement the stand-in does not understand: \(statement)") }
        throw SQLError(number: 102, message: "Incorrect syntax near '\(statement.prefix(40))' (the stand-in does not understand it)")
    }

    private func bulkLoad(_ payload: [UInt8]) throws -> [UInt8] {
        guard let target = bulkTarget else {
            box.state.withLock { $0.violations.append("a BULK LOAD without insert bulk before it") }
            return TDS.message(4804, "While reading current row from host, a premature end-of-message was encountered.", severity: 16) + TDS.done(status: TDS.doneError)
        }
        bulkTarget = nil
        let (columns, rows) = try TDS.bulkRows(payload)
        return try box.state.withLock { state in
            guard var table = state.tables[target] else { return TDS.message(208, "Invalid object name '\(target)'.", severity: 16) + TDS.done(status: TDS.doneError) }
            guard columns.map({ $0.name.lowercased() }) == table.columns.map({ $0.name.lowercased() }) else {
                state.violations.append("bulk load into \(target): columns \(columns.map(\.name)) where the table has \(table.columns.map(\.name))")
                throw StandInError(description: "bulk columns do not match")
            }
            for row in rows {
                for (value, column) in zip(row, table.columns) where value == nil && !column.nullable {
                    return TDS.message(515, "Cannot insert the value NULL into column '\(column.name)', table '\(target)'; column does not allow nulls. INSERT fails.", severity: 16)
                        + TDS.done(status: TDS.doneError)
                }
            }
            table.rows += rows
            state.tables[target] = table
            state.bulkRows[target, default: 0] += rows.count
            return TDS.done(status: TDS.doneCount, rows: UInt64(rows.count))
        }
    }

    // MARK: - Text

    /// `[dbo].[t]`, `dbo.t`, `t`, `N'dbo.t'` → `dbo.t`, lower-cased (the default collation ignores case).
    static func key(_ name: String) -> String {
        let parts = split(name.trimmingCharacters(in: .whitespaces), on: ".").map { unbracket($0).lowercased() }
        return parts.count == 1 ? "dbo.\(parts[0])" : parts.suffix(2).joined(separator: ".")
    }

    static func unbracket(_ text: String) -> String {
        text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()).replacingOccurrences(of: "]]", with: "]") : text
    }

    /// Splits at `separator` outside quotes, brackets and parentheses.
    static func split(_ text: String, on separator: Character = ";") -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false, bracketed = false
        var depth = 0
        for character in text {
            if character == "'", !bracketed { quoted.toggle() }
            if !quoted {
                if character == "[" { bracketed = true } else if character == "]" { bracketed = false }
                if !bracketed { if character == "(" { depth += 1 } else if character == ")" { depth -= 1 } }
            }
            if character == separator, !quoted, !bracketed, depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func literal(_ text: String) throws -> String? {
        if text.uppercased() == "NULL" { return nil }
        if text.uppercased() == "SYSUTCDATETIME()" { return ISO8601DateFormatter().string(from: Date()) }
        if text.hasPrefix("N'") || text.hasPrefix("'"), text.hasSuffix("'") {
            return String(text.drop { $0 != "'" }.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if Double(text) != nil { return text }
        throw SQLError(number: 102, message: "Incorrect syntax near '\(text)'")
    }

    /// The capture groups of `pattern` (case-insensitive, whole text) in `text`; nil when it does not match.
    static func match(_ pattern: String, _ text: String) -> [String]? {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators]),
            let found = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (1..<found.numberOfRanges).map { index in Range(found.range(at: index), in: text).map { String(text[$0]) } ?? "" }
    }
}

private struct SQLStandInFault {
    let number: Int
    let message: String
}
