/// RFC 4180 records from a `ByteSource`, a block at a time: quoted fields may hold commas, doubled quotes and line
/// breaks; records end at LF, CRLF or CR; a leading byte-order mark is skipped; blank lines are no records. Each
/// record says the line it starts on (1 is the header), for rejects that point at their line.
///
/// Each read goes straight into the block's buffer, behind what the last read left of a record it cut; fields are
/// found in place. A record cut by the end of a read is read again, whole, at the start of the next block.
final class CSVBlockReader {
    private let source: ByteSource
    /// How much one read asks for; doubled while a record does not fit.
    private var readSize: Int
    /// The bytes of a record the last read cut, and the line it starts on.
    private var carry: [UInt8] = []
    private var line = 1
    private var atEnd = false
    private var started = false
    /// Fields in the last record: room for the next block's offsets is made at once.
    private var width = 8

    init(source: ByteSource) {
        self.source = source
        self.readSize = source.chunkSize
    }

    /// The next block of whole records; nil at the end. - Throws: `ByteSource.Failure`.
    func next() throws(ByteSource.Failure) -> CSVBlock? {
        while true {
            if atEnd, carry.isEmpty { return nil }
            var buffer = try read()
            var from = 0
            if !started {
                // The byte-order mark needs three bytes (or the end) to be seen.
                if buffer.count < 3, !atEnd {
                    carry = buffer
                    continue
                }
                started = true
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { from = 3 }
            }
            guard buffer.count <= Int(UInt32.max) else {
                throw ByteSource.Failure(description: "\(source.path): the record from line \(line) is longer than 4 GiB (an unclosed quote?)")
            }
            let (block, consumed) = parse(&buffer, from: from)
            carry = consumed < buffer.count ? Array(buffer[consumed...]) : []
            if block.count > 0 { return block }
            // Not one whole record: the next read is larger, so that a long record is not copied again and again.
            if !atEnd { readSize = min(readSize * 2, 1 << 30) }
        }
    }

    /// What the last read left, then the next bytes, read in place behind it.
    private func read() throws(ByteSource.Failure) -> [UInt8] {
        guard !atEnd else {
            defer { carry = [] }
            return carry
        }
        let kept = carry.count
        var failure: ByteSource.Failure?
        let buffer = [UInt8](unsafeUninitializedCapacity: kept + readSize) { bytes, count in
            carry.withUnsafeBufferPointer { carried in
                if kept > 0 { bytes.baseAddress!.initialize(from: carried.baseAddress!, count: kept) }
            }
            do throws(ByteSource.Failure) {
                count = try kept + source.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: bytes[kept...])))
            } catch {
                failure = error
                count = kept
            }
        }
        if let failure { throw failure }
        if buffer.count == kept { atEnd = true }
        return buffer
    }

    /// The whole records of `buffer` from `from`, and where the first record it could not end starts. At the end of
    /// the file every record ends (one cut inside an open quote keeps what it had).
    private func parse(_ buffer: inout [UInt8], from: Int) -> (CSVBlock, consumed: Int) {
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")
        let count = buffer.count
        let end = atEnd
        let expected = count / 128 + 1
        var starts: [UInt32] = []
        var ends: [UInt32] = []
        var firstFields: [UInt32] = [0]
        var lines: [Int] = []
        // Never more than the bytes allow (a field takes at least its separator): a hostile header of a million
        // columns does not make a block reserve gigabytes.
        let fields = min(expected * width, count + 1)
        starts.reserveCapacity(fields)
        ends.reserveCapacity(fields)
        firstFields.reserveCapacity(expected + 1)
        lines.reserveCapacity(expected)
        // Quoted fields with doubled quotes or bytes after the closing quote: (field, opening quote, end), undone in
        // place once their record is whole (a record cut by the read is read again from its original bytes).
        var escaped: [(field: Int, open: Int, end: Int)] = []
        var consumed = from
        var line = self.line
        var lineAtConsumed = line
        buffer.withUnsafeMutableBufferPointer { p in
            /// Where what follows the line break at `i` (LF, CR or CRLF) starts; nil when a CR ends the read (an LF may
            /// follow in the next).
            func afterLineBreak(_ i: Int) -> Int? {
                guard p[i] == carriageReturn else { return i + 1 }
                if i + 1 < count { return p[i + 1] == newline ? i + 2 : i + 1 }
                return end ? i + 1 : nil
            }
            var i = from
            records: while i < count {
                let first = p[i]
                // Blank lines are no records.
                if first == newline || first == carriageReturn {
                    guard let next = afterLineBreak(i) else { break records }
                    i = next
                    line += 1
                    (consumed, lineAtConsumed) = (i, line)
                    continue
                }
                let recordLine = line
                escaped.removeAll(keepingCapacity: true)
                fields: while true {
                    var fieldStart = i
                    var fieldEnd = i
                    if i < count, p[i] == quote {
                        let open = i
                        i += 1
                        var closing = -1
                        var simple = true
                        quoted: while true {
                            while i < count {
                                let byte = p[i]
                                if byte == quote || byte == newline || byte == carriageReturn { break }
                                i += 1
                            }
                            guard i < count else {
                                if end { break quoted }
                                break records
                            }
                            let byte = p[i]
                            if byte == quote {
                                if i + 1 < count {
                                    if p[i + 1] == quote {
                                        simple = false
                                        i += 2
                                        continue quoted
                                    }
                                } else if !end {
                                    break records
                                }
                                closing = i
                                i += 1
                                break quoted
                            }
                            // A line break inside quotes still counts as a line (CRLF once).
                            if byte == carriageReturn {
                                if i + 1 < count {
                                    if p[i + 1] != newline { line += 1 }
                                } else if end {
                                    line += 1
                                } else {
                                    break records
                                }
                            } else {
                                line += 1
                            }
                            i += 1
                        }
                        if closing >= 0 {
                            // Bytes after the closing quote belong to the field as they are (a quote among them too).
                            let after = i
                            while i < count {
                                let byte = p[i]
                                if byte == comma || byte == newline || byte == carriageReturn { break }
                                i += 1
                            }
                            if i > after { simple = false }
                        }
                        if simple {
                            (fieldStart, fieldEnd) = (open + 1, closing >= 0 ? closing : i)
                        } else {
                            escaped.append((starts.count, open, i))
                        }
                    } else {
                        while i < count {
                            let byte = p[i]
                            if byte == comma || byte == newline || byte == carriageReturn { break }
                            i += 1
                        }
                        fieldEnd = i
                    }
                    starts.append(UInt32(truncatingIfNeeded: fieldStart))
                    ends.append(UInt32(truncatingIfNeeded: fieldEnd))
                    guard i < count else {
                        if end { break fields }
                        break records
                    }
                    if p[i] == comma {
                        i += 1
                        continue fields
                    }
                    guard let next = afterLineBreak(i) else { break records }
                    i = next
                    line += 1
                    break fields
                }
                for field in escaped {
                    let written = Self.unquote(p, from: field.open, to: field.end)
                    starts[field.field] = UInt32(truncatingIfNeeded: field.open)
                    ends[field.field] = UInt32(truncatingIfNeeded: written)
                }
                firstFields.append(UInt32(truncatingIfNeeded: starts.count))
                lines.append(recordLine)
                width = starts.count - Int(firstFields[firstFields.count - 2])
                (consumed, lineAtConsumed) = (i, line)
            }
        }
        self.line = lineAtConsumed
        // A record the read cut: its fields go; it is read again whole.
        let kept = Int(firstFields[firstFields.count - 1])
        if starts.count > kept {
            starts.removeSubrange(kept...)
            ends.removeSubrange(kept...)
        }
        return (CSVBlock(bytes: buffer, fieldStarts: starts, fieldEnds: ends, firstFields: firstFields, lines: lines), consumed)
    }

    /// A quoted field's value written over its own bytes from `open` (its opening quote): doubled quotes as one,
    /// the closing quote dropped, bytes after it as they are. Returns where the value ends.
    private static func unquote(_ p: UnsafeMutableBufferPointer<UInt8>, from open: Int, to end: Int) -> Int {
        let quote = UInt8(ascii: "\"")
        var read = open + 1
        var write = open
        var quoted = true
        while read < end {
            let byte = p[read]
            if quoted, byte == quote {
                if read + 1 < end, p[read + 1] == quote {
                    p[write] = quote
                    write += 1
                    read += 2
                } else {
                    quoted = false
                    read += 1
                }
                continue
            }
            p[write] = byte
            write += 1
            read += 1
        }
        return write
    }
}
