/// A CSV file's records one at a time, their fields as strings (`CSVBlockReader` says how they are read): for the
/// lake's own small files; the sales files are read by block.
final class CSVRecordReader {
    private let blocks: CSVBlockReader
    private var block: CSVBlock?
    private var index = 0

    init(source: ByteSource) {
        blocks = CSVBlockReader(source: source)
    }

    struct Record {
        let line: Int
        let fields: [String]
    }

    /// The next record, nil at the end. - Throws: `ByteSource.Failure`.
    func next() throws(ByteSource.Failure) -> Record? {
        while true {
            if let block, index < block.count {
                defer { index += 1 }
                return Record(line: block.lines[index], fields: block.strings(index))
            }
            guard let next = try blocks.next() else { return nil }
            block = next
            index = 0
        }
    }
}
