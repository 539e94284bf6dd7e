import Foundation

/// The bytes of TDS (MS-TDS, the protocol of SQL Server) as the SQL Server stand-in reads and writes them: packets
/// (an 8-byte header, a message split over packets that end with the EOM status), little-endian fields, UTF-16LE
/// text, and the tokens a server answers with.
enum TDS {
    enum PacketType: UInt8 {
        case sqlBatch = 0x01, attention = 0x06, bulkLoad = 0x07, tabularResult = 0x04, login7 = 0x10, prelogin = 0x12
    }

    /// Column types the stand-in describes and decodes.
    enum ColumnType: Equatable, Sendable {
        case nvarchar(length: Int)
        case bigint
        case int
        case decimal(precision: Int, scale: Int)
        case datetime2

        /// As `CREATE TABLE` writes it (lower case, without spaces).
        init?(declaration text: String) {
            let type = text.lowercased().replacingOccurrences(of: " ", with: "")
            if type.hasPrefix("nvarchar("), let length = Int(type.dropFirst(9).dropLast()) { self = .nvarchar(length: length) }
            else if type == "bigint" { self = .bigint }
            else if type == "int" { self = .int }
            else if type == "datetime2" { self = .datetime2 }
            else if type.hasPrefix("decimal(") || type.hasPrefix("numeric(") {
                let numbers = type.drop { $0 != "(" }.dropFirst().dropLast().split(separator: ",").compactMap { Int($0) }
                guard numbers.count == 2 else { return nil }
                self = .decimal(precision: numbers[0], scale: numbers[1])
            } else { return nil }
        }
    }

    struct Column: Equatable, Sendable {
        let name: String
        let type: ColumnType
        let nullable: Bool
    }

    /// Latin1_General_CI_AS, as SQL Server sends it.
    static let collation: [UInt8] = [0x09, 0x04, 0xD0, 0x00, 0x34]

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(_ bytes: [UInt8], offset: Int = 0) {
            self.bytes = bytes
            self.offset = offset
        }

        var atEnd: Bool { offset >= bytes.count }

        mutating func u8() throws -> UInt8 {
            guard offset < bytes.count else { throw StandInError(description: "TDS: the message ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else { throw StandInError(description: "TDS: the message ends early") }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func u16() throws -> Int { try take(2).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }
        mutating func u32() throws -> Int { try take(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }
        mutating func u64() throws -> UInt64 { try take(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }

        /// `count` UTF-16 code units.
        mutating func text(_ count: Int) throws -> String { TDS.string(try take(2 * count)) }
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func u8(_ value: Int) { bytes.append(UInt8(truncatingIfNeeded: value)) }
        mutating func u16(_ value: Int) { for shift in [0, 8] { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
        mutating func u32(_ value: Int) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
        mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
        mutating func utf16(_ text: String) { bytes += TDS.utf16(text) }
        /// B_VARCHAR: a byte of length in characters, then the characters.
        mutating func bVarchar(_ text: String) {
            u8(text.utf16.count)
            utf16(text)
        }
        /// US_VARCHAR: two bytes of length in characters.
        mutating func usVarchar(_ text: String) {
            u16(text.utf16.count)
            utf16(text)
        }
    }

    static func utf16(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] } }

    static func string(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        var index = 0
        while index + 1 < bytes.count {
            units.append(UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    // MARK: - Tokens

    /// A token with a two-byte length before its body (ERROR, INFO, ENVCHANGE, LOGINACK).
    private static func token(_ type: UInt8, _ body: Writer) -> [UInt8] {
        var writer = Writer()
        writer.u8(Int(type))
        writer.u16(body.bytes.count)
        return writer.bytes + body.bytes
    }

    static func done(status: Int = 0, command: Int = 0, rows: UInt64 = 0) -> [UInt8] {
        var writer = Writer()
        writer.u8(0xFD)
        writer.u16(status)
        writer.u16(command)
        writer.u64(rows)
        return writer.bytes
    }

    static let doneMore = 0x0001, doneError = 0x0002, doneCount = 0x0010, doneAttention = 0x0020

    /// ERROR (0xAA) or INFO (0xAB).
    static func message(_ number: Int, _ text: String, severity: Int, state: Int = 1, error: Bool = true) -> [UInt8] {
        var body = Writer()
        body.u32(number)
        body.u8(state)
        body.u8(severity)
        body.usVarchar(text)
        body.bVarchar("STANDIN")
        body.bVarchar("")
        body.u32(1)
        return token(error ? 0xAA : 0xAB, body)
    }

    /// ENVCHANGE with text values (database, language, packet size).
    static func environmentChange(_ type: Int, new: String, old: String) -> [UInt8] {
        var body = Writer()
        body.u8(type)
        body.bVarchar(new)
        body.bVarchar(old)
        return token(0xE3, body)
    }

    static func collationChange() -> [UInt8] {
        var body = Writer()
        body.u8(7)
        body.u8(collation.count)
        body.bytes += collation
        body.u8(0)
        return token(0xE3, body)
    }

    /// LOGINACK for TDS 7.4, as SQL Server 2022 (16.0) sends it.
    static func loginAcknowledgement() -> [UInt8] {
        var body = Writer()
        body.u8(1)
        body.bytes += [0x74, 0x00, 0x00, 0x04]
        body.bVarchar("Microsoft SQL Server")
        body.bytes += [16, 0, 0x03, 0xE8]
        return token(0xAD, body)
    }

    /// COLMETADATA (0x81) for `columns`.
    static func columnMetadata(_ columns: [Column]) -> [UInt8] {
        var writer = Writer()
        writer.u8(0x81)
        writer.u16(columns.count)
        for column in columns {
            writer.u32(0)
            writer.u16((column.nullable ? 0x0001 : 0) | 0x0004)
            switch column.type {
            case .nvarchar(let length):
                writer.u8(0xE7)
                writer.u16(length * 2)
                writer.bytes += collation
            case .bigint:
                writer.u8(0x26)
                writer.u8(8)
            case .int:
                writer.u8(0x26)
                writer.u8(4)
            case .decimal(let precision, let scale):
                writer.u8(0x6A)
                writer.u8(decimalLength(precision))
                writer.u8(precision)
                writer.u8(scale)
            case .datetime2:
                writer.u8(0x2A)
                writer.u8(7)
            }
            writer.bVarchar(column.name)
        }
        return writer.bytes
    }

    static func decimalLength(_ precision: Int) -> Int { precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17 }

    // MARK: - What a client's bulk load carries

    /// A column of the client's COLMETADATA: its name and how its values are written.
    struct BulkColumn {
        let name: String
        let type: UInt8
        let length: Int
        let scale: Int
    }

    /// The COLMETADATA and ROW tokens of a BULK LOAD message: column names and each row's values as text (nil: NULL).
    static func bulkRows(_ payload: [UInt8]) throws -> (columns: [BulkColumn], rows: [[String?]]) {
        var reader = Reader(payload)
        guard try reader.u8() == 0x81 else { throw StandInError(description: "TDS bulk load: no COLMETADATA first") }
        var columns: [BulkColumn] = []
        for _ in 0..<(try reader.u16()) {
            _ = try reader.u32()
            _ = try reader.u16()
            let type = try reader.u8()
            var length = 0, scale = 0
            switch type {
            case 0xE7, 0xEF, 0xA7, 0xAF:
                length = try reader.u16()
                _ = try reader.take(5)
            case 0x26, 0x6D, 0x68:
                length = Int(try reader.u8())
            case 0x6A, 0x6C:
                length = Int(try reader.u8())
                _ = try reader.u8()
                scale = Int(try reader.u8())
            case 0x7F: length = 8
            case 0x38: length = 4
            case 0x2A:
                scale = Int(try reader.u8())
            default:
                throw StandInError(description: "TDS bulk load: column type 0x\(String(type, radix: 16)) is not one the stand-in reads")
            }
            columns.append(BulkColumn(name: try reader.text(Int(try reader.u8())), type: type, length: length, scale: scale))
        }
        var rows: [[String?]] = []
        while !reader.atEnd {
            let token = try reader.u8()
            if token == 0xFD { break }
            guard token == 0xD1 else { throw StandInError(description: "TDS bulk load: token 0x\(String(token, radix: 16)) where a ROW was expected") }
            rows.append(try columns.map { try value(of: $0, from: &reader) })
        }
        return (columns, rows)
    }

    private static func value(of column: BulkColumn, from reader: inout Reader) throws -> String? {
        switch column.type {
        case 0xE7, 0xEF:
            let length = try reader.u16()
            return length == 0xFFFF ? nil : string(try reader.take(length))
        case 0xA7, 0xAF:
            let length = try reader.u16()
            return length == 0xFFFF ? nil : String(decoding: try reader.take(length), as: UTF8.self)
        case 0x26:
            let length = Int(try reader.u8())
            guard length > 0 else { return nil }
            return String(signed(try reader.take(length)))
        case 0x7F: return String(signed(try reader.take(8)))
        case 0x38: return String(signed(try reader.take(4)))
        case 0x6A, 0x6C:
            let length = Int(try reader.u8())
            guard length > 0 else { return nil }
            let positive = try reader.u8() == 1
            let magnitude = try reader.take(length - 1)
            return decimalText(magnitude: magnitude, scale: column.scale, negative: !positive)
        default:
            throw StandInError(description: "TDS bulk load: cannot read a value of type 0x\(String(column.type, radix: 16))")
        }
    }

    private static func signed(_ bytes: [UInt8]) -> Int64 {
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        let bits = bytes.count * 8
        if bits < 64, value & (1 << UInt64(bits - 1)) != 0 { value |= ~((1 << UInt64(bits)) - 1) }
        return Int64(bitPattern: value)
    }

    /// A little-endian magnitude of any width as decimal text with `scale` decimals (long division by 10).
    static func decimalText(magnitude: [UInt8], scale: Int, negative: Bool) -> String {
        var words = magnitude.reversed().map { UInt32($0) }  // big-endian digits base 256
        var digits: [Character] = []
        while words.contains(where: { $0 != 0 }) {
            var remainder: UInt32 = 0
            for index in words.indices {
                let current = remainder << 8 | words[index]
                words[index] = current / 10
                remainder = current % 10
            }
            digits.append(Character(String(remainder)))
        }
        while digits.count <= scale { digits.append("0") }
        var text = String(digits.reversed())
        if scale > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -scale)) }
        return (negative && text.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + text
    }
}
