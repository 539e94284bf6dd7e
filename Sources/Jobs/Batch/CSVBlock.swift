/// Whole CSV records read in one buffer: each field's bytes stay where they were read (a quoted field's quotes
/// undone in place), found by offsets. No string is made until one is asked for: a 5-million-row extraction made
/// 90 million strings when every field was one.
struct CSVBlock: Sendable {
    /// The bytes read; fields lie inside, not necessarily back to back.
    let bytes: [UInt8]
    /// Each field's start and end in `bytes`, all records' fields one after another.
    let fieldStarts: [UInt32]
    let fieldEnds: [UInt32]
    /// Where each record's fields begin in `fieldStarts`, and one more entry: where the fields after the last end.
    let firstFields: [UInt32]
    /// The line each record starts on (1 is the file's first).
    let lines: [Int]

    var count: Int { lines.count }

    /// A record's fields as strings (invalid UTF-8 repaired, as `String(decoding:)` does): for what keeps a row whole.
    func strings(_ record: Int) -> [String] {
        withRows { rows in
            let row = rows.row(record)
            return (0..<row.count).map { row.string($0) }
        }
    }

    /// Runs `body` with the records' fields readable in place.
    func withRows<Result>(_ body: (Rows) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { base in
            try fieldStarts.withUnsafeBufferPointer { starts in
                try fieldEnds.withUnsafeBufferPointer { ends in
                    try firstFields.withUnsafeBufferPointer { first in try body(Rows(base: base, starts: starts, ends: ends, firstFields: first)) }
                }
            }
        }
    }

    /// The block's records, valid inside `withRows`.
    struct Rows {
        let base: UnsafeBufferPointer<UInt8>
        let starts: UnsafeBufferPointer<UInt32>
        let ends: UnsafeBufferPointer<UInt32>
        let firstFields: UnsafeBufferPointer<UInt32>

        func row(_ record: Int) -> Row {
            let first = Int(firstFields[record])
            return Row(rows: self, first: first, count: Int(firstFields[record + 1]) - first)
        }
    }

    /// One record's fields by position.
    struct Row {
        let rows: Rows
        let first: Int
        let count: Int

        /// The field's bytes; empty for a column the file does not have (nil).
        subscript(_ column: Int?) -> UnsafeBufferPointer<UInt8> {
            guard let column, column < count else { return UnsafeBufferPointer(start: nil, count: 0) }
            let field = first + column
            return UnsafeBufferPointer(rebasing: rows.base[Int(rows.starts[field])..<Int(rows.ends[field])])
        }

        func string(_ column: Int?) -> String { String(decoding: self[column], as: UTF8.self) }
    }
}

extension CSVBlock {
    /// A block of the given records (already split into fields), as a file of them would read.
    init(records: [[String]], firstLine: Int = 1) {
        var bytes: [UInt8] = []
        var starts: [UInt32] = []
        var ends: [UInt32] = []
        var first: [UInt32] = [0]
        for fields in records {
            for field in fields {
                starts.append(UInt32(bytes.count))
                bytes += field.utf8
                ends.append(UInt32(bytes.count))
            }
            first.append(UInt32(starts.count))
        }
        self.init(bytes: bytes, fieldStarts: starts, fieldEnds: ends, firstFields: first, lines: records.indices.map { firstLine + $0 })
    }
}
