import Foundation

/// Where the values of chosen top-level members of a JSON object lie, read straight from UTF-8 bytes (`Slot`): a
/// string is decoded and a number's text (so that `215000.10` is exactly that, never a binary double) taken only
/// when the caller asks, and every other member is checked and skipped. Written for the event stream: one pass, no
/// Foundation, no string made for a name or an unwanted value, and a precise reason when the text is not JSON.
enum FlatJSON {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let message: String
        let offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    /// The member names a reader looks for, kept as bytes so that a name in the text is matched without a string.
    struct Names: Sendable {
        let names: [String]
        fileprivate let bytes: [[UInt8]]
        /// The positions of the names of each length (up to 32 bytes; longer ones in the last list): a member's name
        /// is compared with those of its length only.
        fileprivate let byLength: [[Int]]

        init(_ names: [String]) {
            self.names = names
            bytes = names.map { Array($0.utf8) }
            var byLength = [[Int]](repeating: [], count: 33)
            for (position, name) in bytes.enumerated() { byLength[min(name.count, 32)].append(position) }
            self.byLength = byLength
        }
    }

    /// Where a wanted member's value lies in the text, checked but not yet read: a caller makes a string only of
    /// the values it keeps (`text(of:in:)`) and reads the others in place (`withText(of:in:_:)`).
    struct Slot: Equatable, Sendable {
        enum Kind: Equatable, Sendable { case string, number, bool, null, nested }
        let kind: Kind
        /// The value's bytes: a string's between its quotes, a number's or a literal's as written; a nested
        /// value's whole text.
        let start: Int
        let end: Int
        /// Whether a string has escapes (its text then differs from its bytes).
        let escaped: Bool
        /// Whether a string's bytes are all ASCII.
        let ascii: Bool
    }

    /// Where the value of each of `names` lies, in their order (nil when absent; a repeated name gives its last
    /// value, as most parsers do), in the object `bytes` holds, into `found` (one place a name, every one set), which
    /// a caller reading many objects reuses: an array made and freed per event was a tenth of the parse.
    static func slots(_ bytes: UnsafeBufferPointer<UInt8>, of names: Names, into found: inout [Slot?]) throws(Failure) {
        precondition(found.count == names.bytes.count, "one place a name")
        for place in found.indices { found[place] = nil }
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "{") else { throw reader.failure("expected a JSON object") }
        try reader.members(names, &found)
        reader.skipSpace()
        guard reader.atEnd else { throw reader.failure("text after the JSON object") }
    }

    /// A string's text (decoded), or a number's literal.
    static func text(of slot: Slot, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Escapes and UTF-8 were checked when the slot was found: decoding cannot fail.
        (try? Reader(bytes: bytes).decode(slot)) ?? ""
    }

    /// Calls `body` with a string's text as UTF-8: in place when it has no escapes, else decoded.
    static func withText<Result>(of slot: Slot, in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard slot.escaped else { return body(UnsafeBufferPointer(rebasing: bytes[slot.start..<slot.end])) }
        var text = text(of: slot, in: bytes)
        return text.withUTF8(body)
    }

    /// A position in the text. Only plain values, so that the reader is copied without reference counting.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func failure(_ message: String) -> Failure { Failure(message: message, offset: index) }

        mutating func skipSpace() {
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
                index += 1
            }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
            skipSpace()
            guard peek == byte else { throw failure("expected \(what)") }
            index += 1
        }

        /// An object's members; those named in `names` are kept in `found` (nested objects keep none).
        mutating func members(_ names: Names?, _ found: inout [Slot?]) throws(Failure) {
            try expect(UInt8(ascii: "{"), "{")
            skipSpace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let name = try stringSpan()
                try expect(UInt8(ascii: ":"), ":")
                if let names, let wanted = position(of: name, in: names) {
                    found[wanted] = try slot()
                } else {
                    try skipValue()
                }
                skipSpace()
                guard let byte = peek else { throw failure("unterminated object") }
                index += 1
                if byte == UInt8(ascii: "}") { return }
                guard byte == UInt8(ascii: ",") else {
                    index -= 1
                    throw failure("expected , or }")
                }
            }
        }

        /// Which of the wanted names a member's name (as scanned) is.
        func position(of name: Slot, in names: Names) -> Int? {
            if name.escaped {
                // Rare: a name written with escapes is compared once decoded.
                guard let text = try? decode(name) else { return nil }
                return names.names.lastIndex(of: text)
            }
            let length = name.end - name.start
            let text = bytes.baseAddress! + name.start
            for position in names.byLength[min(length, 32)] where names.bytes[position].count == length {
                let same = names.bytes[position].withUnsafeBufferPointer { wanted in memcmp(wanted.baseAddress!, text, length) == 0 }
                if same { return position }
            }
            return nil
        }

        /// A value, checked, and where it lies.
        mutating func slot() throws(Failure) -> Slot {
            skipSpace()
            guard let byte = peek else { throw failure("expected a value") }
            let start = index
            let kind: Slot.Kind
            switch byte {
            case UInt8(ascii: "\""): return try stringSpan()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try nested()
                kind = .nested
            case UInt8(ascii: "t"): try literal("true"); kind = .bool
            case UInt8(ascii: "f"): try literal("false"); kind = .bool
            case UInt8(ascii: "n"): try literal("null"); kind = .null
            default: try number(); kind = .number
            }
            return Slot(kind: kind, start: start, end: index, escaped: false, ascii: true)
        }

        /// A value checked as `slot()` checks it, without keeping it.
        mutating func skipValue() throws(Failure) {
            skipSpace()
            guard let byte = peek else { throw failure("expected a value") }
            switch byte {
            case UInt8(ascii: "\""): _ = try stringSpan()
            case UInt8(ascii: "{"), UInt8(ascii: "["): try nested()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw failure("expected a value") }
            let text = bytes.baseAddress! + index
            let matches = word.withUTF8Buffer { word in (0..<count).allSatisfy { word[$0] == text[$0] } }
            guard matches else { throw failure("expected a value") }
            index += count
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func number() throws(Failure) {
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
        }

        /// A string, checked (control characters, escapes, UTF-8) and skipped; its text is decoded only on demand.
        mutating func stringSpan() throws(Failure) -> Slot {
            index += 1  // the opening quote
            let start = index
            var escaped = false
            var high: UInt8 = 0
            skipPlainASCII()
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw failure("a control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 1
                    _ = try escape()
                    continue
                }
                high |= byte
                index += 1
            }
            let span = Slot(kind: .string, start: start, end: index, escaped: escaped, ascii: high < 0x80)
            index += 1  // the closing quote
            if !span.ascii { _ = try decode(span) }  // invalid UTF-8 is an error wherever it is, wanted or not
            return span
        }

        /// Moves over a string's plain ASCII eight bytes at a time (most of an event's text), up to the first quote,
        /// backslash, control character or byte of 0x80 and up, which the byte loop then reads. (Each test is the
        /// classic "has a zero byte" trick: a borrow can raise a false alarm only in a later byte than a true one, so
        /// the lowest flagged byte is the first special one.)
        mutating func skipPlainASCII() {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            guard let base = bytes.baseAddress else { return }
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word) | word
                let flagged = special & highs
                guard flagged == 0 else {
                    index += flagged.trailingZeroBitCount >> 3  // little-endian: the lowest byte comes first
                    return
                }
                index += 8
            }
        }

        /// The text of a scanned string.
        func decode(_ span: Slot) throws(Failure) -> String {
            if !span.escaped { return try utf8(span.start, span.end, ascii: span.ascii) }
            var scalars = String.UnicodeScalarView()
            var reader = self
            reader.index = span.start
            var runStart = span.start
            while reader.index < span.end {
                guard reader.bytes[reader.index] == UInt8(ascii: "\\") else {
                    reader.index += 1
                    continue
                }
                scalars.append(contentsOf: try utf8(runStart, reader.index, ascii: span.ascii).unicodeScalars)
                reader.index += 1
                scalars.append(try reader.escape())
                runStart = reader.index
            }
            scalars.append(contentsOf: try utf8(runStart, span.end, ascii: span.ascii).unicodeScalars)
            return String(scalars)
        }

        func utf8(_ from: Int, _ to: Int, ascii: Bool) throws(Failure) -> String {
            let text = UnsafeBufferPointer(rebasing: bytes[from..<to])
            // ASCII is valid UTF-8 as it is; only other text goes through the standard library's validation.
            if ascii { return String(decoding: text, as: UTF8.self) }
            guard let decoded = String(validating: text, as: UTF8.self) else {
                throw Failure(message: "invalid UTF-8 in a string", offset: from)
            }
            return decoded
        }

        /// The character an escape (after its backslash) stands for.
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
                var none: [Slot?] = []
                try members(nil, &none)
                return
            }
            index += 1  // [
            skipSpace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue()
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
