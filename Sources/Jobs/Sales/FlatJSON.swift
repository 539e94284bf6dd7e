/// A JSON object's top-level members, read straight from UTF-8 bytes: strings decoded, numbers kept as the text
/// they were written in (so that `215000.10` is exactly that, never a binary double), nested values validated and
/// skipped. Written for the event stream: one pass, no Foundation, and a precise reason when the text is not JSON.
enum FlatJSON {
    enum Value: Equatable, Sendable {
        case string(String)
        /// The number's literal text, as JSON's grammar allows it.
        case number(String)
        case bool(Bool)
        case null
        /// An object or array (validated, not kept).
        case nested
    }

    struct Failure: Error, Equatable, CustomStringConvertible {
        let message: String
        let offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    /// An object's members in their order; a lookup scans them (an event has a dozen: faster than hashing each name),
    /// and a repeated name gives its last value, as most parsers do.
    struct Members: Sendable {
        fileprivate(set) var pairs: [(name: String, value: Value)] = []

        subscript(name: String) -> Value? {
            for index in pairs.indices.reversed() where pairs[index].name == name { return pairs[index].value }
            return nil
        }
    }

    /// The members of the object `bytes` holds.
    static func object(_ bytes: [UInt8]) throws(Failure) -> Members {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "{") else { throw reader.failure("expected a JSON object") }
        let members = try reader.members()
        reader.skipSpace()
        guard reader.atEnd else { throw reader.failure("text after the JSON object") }
        return members
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func failure(_ message: String) -> Failure { Failure(message: message, offset: index) }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
            skipSpace()
            guard peek == byte else { throw failure("expected \(what)") }
            index += 1
        }

        mutating func members() throws(Failure) -> Members {
            try expect(UInt8(ascii: "{"), "{")
            var result = Members()
            skipSpace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return result
            }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let name = try string()
                try expect(UInt8(ascii: ":"), ":")
                result.pairs.append((name, try value()))
                skipSpace()
                guard let byte = peek else { throw failure("unterminated object") }
                index += 1
                if byte == UInt8(ascii: "}") { return result }
                guard byte == UInt8(ascii: ",") else {
                    index -= 1
                    throw failure("expected , or }")
                }
            }
        }

        mutating func value() throws(Failure) -> Value {
            skipSpace()
            guard let byte = peek else { throw failure("expected a value") }
            switch byte {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try nested()
                return .nested
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                word.withUTF8Buffer({ Array($0) }) == Array(bytes[index..<(index + count)])
            else { throw failure("expected a value") }
            index += count
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as written.
        mutating func number() throws(Failure) -> String {
            let start = index
            func digits(_ reader: inout Reader) -> Int {
                let from = reader.index
                while let byte = reader.peek, byte >= 0x30, byte <= 0x39 { reader.index += 1 }
                return reader.index - from
            }
            if peek == UInt8(ascii: "-") { index += 1 }
            if peek == UInt8(ascii: "0") { index += 1 } else if digits(&self) == 0 { throw failure("expected a value") }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw failure("expected digits after the decimal point") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw failure("expected digits in the exponent") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(Failure) -> String {
            index += 1  // the opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = index
            var plain = true
            while true {
                guard let byte = peek else { throw failure("unterminated string") }
                if byte == UInt8(ascii: "\"") {
                    let tail = try utf8(runStart, index)
                    index += 1
                    if plain { return tail }
                    scalars.append(contentsOf: tail.unicodeScalars)
                    return String(scalars)
                }
                if byte < 0x20 { throw failure("a control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    scalars.append(contentsOf: try utf8(runStart, index).unicodeScalars)
                    index += 1
                    scalars.append(try escape())
                    runStart = index
                    continue
                }
                index += 1
            }
        }

        func utf8(_ from: Int, _ to: Int) throws(Failure) -> String {
            guard let text = String(validating: bytes[from..<to], as: UTF8.self) else {
                throw Failure(message: "invalid UTF-8 in a string", offset: from)
            }
            return text
        }

        mutating func escape() throws(Failure) -> Unicode.Scalar {
            guard let byte = peek else { throw failure("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{8}"
            case UInt8(ascii: "f"): return "\u{C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let high = try hex4()
                if (0xD800...0xDBFF).contains(high) {
                    guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("a lone surrogate in a \\u escape")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                        throw failure("a lone surrogate in a \\u escape")
                    }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(high) else { throw failure("a lone surrogate in a \\u escape") }
                return scalar
            default:
                index -= 1
                throw failure("an unknown escape in a string")
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("a short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw failure("a bad \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        /// An object or array, checked and skipped; at most 64 deep.
        mutating func nested() throws(Failure) {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw failure("nested more than 64 deep") }
            if peek == UInt8(ascii: "{") {
                _ = try members()
                return
            }
            index += 1  // [
            skipSpace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                _ = try value()
                skipSpace()
                guard let byte = peek else { throw failure("unterminated array") }
                index += 1
                if byte == UInt8(ascii: "]") { return }
                guard byte == UInt8(ascii: ",") else {
                    index -= 1
                    throw failure("expected , or ]")
                }
            }
        }
    }
}
