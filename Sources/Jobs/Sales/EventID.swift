/// An event's `event_id`: a UUID in its canonical text (`8-4-4-4-12` lowercase hex digits, what most producers
/// write) kept as its 128 bits, any other id as its text. Each id has exactly one form, so ids compare in it. The
/// stream reads a UUID straight from the message into two integers: no string per event, and a deal's stored ids
/// (`FiguresStore.StoredDeal`) take 16 bytes each instead of 36 (their text had been half of a deal's row).
enum EventID: Hashable, Sendable, CustomStringConvertible {
    case uuid(high: UInt64, low: UInt64)
    case text(String)

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { Self(bytes: $0) }
    }

    /// The id whose text is `bytes` (valid UTF-8).
    init(bytes: UnsafeBufferPointer<UInt8>) {
        if let (high, low) = Self.uuid(bytes) {
            self = .uuid(high: high, low: low)
        } else {
            self = .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The id as written.
    var description: String {
        switch self {
        case .text(let text): return text
        case .uuid(let high, let low):
            let digits = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            text.reserveCapacity(36)
            for (index, half) in [high, low].enumerated() {
                for shift in stride(from: 60, through: 0, by: -4) {
                    let written = index * 16 + (60 - shift) / 4
                    if written == 8 || written == 12 || written == 16 || written == 20 { text.append(UInt8(ascii: "-")) }
                    text.append(digits[Int(half >> UInt64(shift) & 0xF)])
                }
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// The 128 bits of a UUID in canonical text; nil for any other text.
    private static func uuid(_ text: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard text.count == 36, text[8] == UInt8(ascii: "-"), text[13] == UInt8(ascii: "-"), text[18] == UInt8(ascii: "-"),
            text[23] == UInt8(ascii: "-")
        else { return nil }
        return hexValues.withUnsafeBufferPointer { values -> (UInt64, UInt64)? in
            /// The value of the hex digits at `range` (each byte's value from the table, 16 and up for a non-digit).
            func number(_ range: Range<Int>, _ into: inout UInt64) -> Bool {
                var invalid: UInt8 = 0
                for index in range {
                    let value = values[Int(text[index])]
                    invalid |= value
                    into = into << 4 | UInt64(value & 0xF)
                }
                return invalid < 16
            }
            var high: UInt64 = 0
            var low: UInt64 = 0
            guard number(0..<8, &high), number(9..<13, &high), number(14..<18, &high), number(19..<23, &low), number(24..<36, &low)
            else { return nil }
            return (high, low)
        }
    }

    /// Each byte's value as a lowercase hex digit; 16 for any other byte.
    private static let hexValues: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        default: 16
        }
    }
}
