import Foundation

/// CSV as RFC 4180 writes it: a field quoted only when it holds a comma, a quote or a line break (quotes doubled).
enum CSVText {
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record and its line break (LF).
    static func line(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        appendLine(fields, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One record and its line break, appended as UTF-8 (the batch's writers: no `String` built per field).
    static func appendLine(_ fields: [String], to bytes: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            append(field, to: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A field, quoted (inner quotes doubled) when it holds a comma, a quote or a line break.
    static func append(_ field: String, to bytes: inout [UInt8]) {
        let utf8 = field.utf8
        let plain = utf8.withContiguousStorageIfAvailable { Self.isPlain($0) } ?? Self.isPlain(Array(utf8))
        if plain {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func isPlain(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
    }
}
