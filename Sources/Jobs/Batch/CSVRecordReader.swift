/// RFC 4180 records from a `ByteSource`, one at a time: quoted fields may hold commas, doubled quotes and line
/// breaks; records end at LF, CRLF or CR; a leading byte-order mark is skipped; blank lines are no records. Each
/// record says the line it starts on (1 is the header), for rejects that point at their line.
final class CSVRecordReader {
    private let source: ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var started = false
    /// The last record's width: the next one's array is made that size at once (rather than grown five times).
    private var width = 8

    init(source: ByteSource) {
        self.source = source
    }

    struct Record {
        let line: Int
        let fields: [String]
    }

    /// The next record, nil at the end. - Throws: `ByteSource.Failure`.
    func next() throws(ByteSource.Failure) -> Record? {
        if !started {
            started = true
            while buffer.count < 3, !atEnd { try fill() }
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
        while true {
            guard let byte = try peek() else { return nil }
            // Blank lines are skipped (not records).
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                consumeLineEnd()
                continue
            }
            return try record()
        }
    }

    private func record() throws(ByteSource.Failure) -> Record {
        let startLine = line
        var fields: [String] = []
        fields.reserveCapacity(width)
        defer { width = max(fields.count, 1) }
        var field: [UInt8] = []
        field.reserveCapacity(64)
        var quoted = false
        var fieldStarted = false
        while let byte = try peek() {
            if quoted {
                if appendRun(to: &field, stoppingAt: Self.quotedStops) { continue }
                position += 1
                if byte == UInt8(ascii: "\"") {
                    if try peek() == UInt8(ascii: "\"") {
                        position += 1
                        field.append(byte)
                    } else {
                        quoted = false
                    }
                } else {
                    // A line break inside quotes still counts as a line (CRLF once).
                    if byte == UInt8(ascii: "\n") {
                        line += 1
                    } else if byte == UInt8(ascii: "\r") {
                        let following = try peek()
                        if following != UInt8(ascii: "\n") { line += 1 }
                    }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                position += 1
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldStarted = false
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                consumeLineEnd()
                fields.append(String(decoding: field, as: UTF8.self))
                return Record(line: startLine, fields: fields)
            case UInt8(ascii: "\"") where !fieldStarted:
                position += 1
                quoted = true
                fieldStarted = true
            default:
                fieldStarted = true
                if appendRun(to: &field, stoppingAt: Self.plainStops) { continue }
                // A quote inside an unquoted field is kept as it is.
                position += 1
                field.append(byte)
            }
        }
        // The file ended in the record (no line break after it, or inside an unclosed quote).
        fields.append(String(decoding: field, as: UTF8.self))
        return Record(line: startLine, fields: fields)
    }

    /// Bytes that end a run: in a plain field `,` LF CR `"`; in a quoted one `"` LF CR (line breaks are counted).
    private static let plainStops: [Bool] = (0..<256).map { [0x2C, 0x0A, 0x0D, 0x22].contains($0) }
    private static let quotedStops: [Bool] = (0..<256).map { [0x0A, 0x0D, 0x22].contains($0) }

    /// Appends the buffered bytes from `position` up to the next stop byte at once (most of a file is such runs).
    /// Returns whether it appended any: false when the byte at `position` is itself a stop.
    private func appendRun(to field: inout [UInt8], stoppingAt stops: [Bool]) -> Bool {
        let start = position
        let end = buffer.withUnsafeBufferPointer { bytes in
            stops.withUnsafeBufferPointer { stops in
                var index = start
                while index < bytes.count, !stops[Int(bytes[index])] { index += 1 }
                return index
            }
        }
        guard end > start else { return false }
        field.append(contentsOf: buffer[start..<end])
        position = end
        return true
    }

    /// A CRLF, LF or CR: one line.
    private func consumeLineEnd() {
        let byte = buffer[position]
        position += 1
        line += 1
        if byte == UInt8(ascii: "\r"), (try? peek()) == UInt8(ascii: "\n") { position += 1 }
    }

    private func peek() throws(ByteSource.Failure) -> UInt8? {
        if position == buffer.count {
            try fill()
            if position == buffer.count { return nil }
        }
        return buffer[position]
    }

    private func fill() throws(ByteSource.Failure) {
        guard !atEnd else { return }
        let chunk = try source.next()
        if chunk.isEmpty {
            atEnd = true
        }
        buffer = Array(buffer[position...]) + chunk
        position = 0
    }
}
