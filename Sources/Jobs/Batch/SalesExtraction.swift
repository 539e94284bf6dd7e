import Foundation

/// One extraction's sales files read in the contract's order (file names lexicographically, rows in file order),
/// each row accepted or rejected by `SaleRowRules`. Streams: one chunk of one file in memory at a time.
struct SalesExtraction {
    /// A file that could not be read as a sales file at all (no header, unreadable, broken gzip).
    struct FileFailure: Error, CustomStringConvertible {
        let description: String
    }

    let files: [String]
    let rates: FXRates
    /// Whether the reading threads count the contract's figures of the rows they find acceptable (`run` then
    /// returns them, the duplicates the judge finds taken back out): the judge's thread, the slower, is spared the
    /// counting.
    var countsFigures = false

    /// The files of `location`: a directory (its `.csv` and `.csv.gz` files) or a glob pattern, sorted by name.
    static func files(at location: String) throws(FileFailure) -> [String] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), isDirectory.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: location) else {
                throw FileFailure(description: "\(location): the directory cannot be read")
            }
            let sales = names.filter { $0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz") }.sorted { Self.nameOrder($0, $1) }
            return sales.map { (location as NSString).appendingPathComponent($0) }
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(location, 0, nil, &matches) == 0 else { throw FileFailure(description: "\(location): no such directory or matching file") }
        let paths = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
        return paths.sorted { Self.nameOrder(($0 as NSString).lastPathComponent, ($1 as NSString).lastPathComponent) }
    }

    /// Lexicographic by the name's bytes (not the locale's collation).
    static func nameOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    /// Reads every file; `accepted` and `rejected` are called for each row in order, on the caller's thread. The
    /// files are read and checked (every rule but the duplicate one) on two threads of their own, files taken in
    /// turn, a few batches ahead, while this thread judges duplicates and does what the caller does with each row,
    /// taking the files' batches in the contract's order.
    @discardableResult
    func run(accepted: (Sale) throws -> Void, rejected: (RejectedRow) throws -> Void) throws -> AfricaFigures {
        var acceptedIDs: Set<String> = []
        // Room for about as many ids as the plain files hold rows (~150 bytes a row): the set grows without rehashing.
        let plainBytes = files.filter { !$0.hasSuffix(".gz") }.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        acceptedIDs.reserveCapacity(min(plainBytes / 150, 50_000_000))
        let readers = min(2, max(1, files.count))
        let channels = (0..<readers).map { _ in CheckedRowChannel(capacity: 4) }
        let done = DispatchSemaphore(value: 0)
        let reading = self
        for (number, channel) in channels.enumerated() {
            Thread.detachNewThread {
                reading.check(files: Array(reading.files.indices.filter { $0 % readers == number }.map { reading.files[$0] }), into: channel)
                done.signal()
            }
        }
        defer {
            for channel in channels {
                channel.cancel()
                done.wait()
            }
        }
        var file = 0
        // The readers' counts, merged as each file ends, less the duplicates they counted.
        var figures = AfricaFigures()
        while file < files.count, let batch = try channels[file % readers].take() {
            let channel = channels[file % readers]
            if batch.endsFile { file += 1 }
            if let counted = batch.figures { figures.merge(counted) }
            defer { channel.recycle(batch) }
            for row in batch.rows {
                switch row.outcome {
                case .refused(let cause):
                    try rejected(RejectedRow(cause: cause, file: row.file, line: row.line, fields: row.fields, header: row.header))
                case .judged(let saleID, .success(let sale)):
                    // One lookup: inserted, or already there (a duplicate).
                    if acceptedIDs.insert(saleID).inserted {
                        try accepted(sale)
                    } else {
                        if countsFigures { figures.count(sale, times: -1) }
                        try rejected(Self.duplicate(saleID, row))
                    }
                case .judged(let saleID, .failure(let cause)):
                    try rejected(acceptedIDs.contains(saleID) ? Self.duplicate(saleID, row)
                        : RejectedRow(cause: cause, file: row.file, line: row.line, fields: row.fields, header: row.header))
                }
            }
        }
        figures.dropEmpty()
        return figures
    }

    private static func duplicate(_ saleID: String, _ row: CheckedRow) -> RejectedRow {
        RejectedRow(
            cause: .init(.duplicateSaleID, "sale_id \(saleID) was already accepted"), file: row.file, line: row.line, fields: row.fields,
            header: row.header)
    }

    /// A reading thread: its files' rows, checked, in batches, the last of each file marked; a file that cannot be read
    /// ends it with its failure.
    private func check(files: [String], into channel: CheckedRowChannel) {
        do {
            for path in files {
                let name = (path as NSString).lastPathComponent
                let reader: CSVRecordReader
                do {
                    reader = CSVRecordReader(source: try ByteSource(path: path))
                } catch {
                    throw FileFailure(description: error.description)
                }
                let header: CSVRecordReader.Record
                do {
                    guard let first = try reader.next() else { throw FileFailure(description: "\(path): empty, no header row") }
                    header = first
                } catch let failure as ByteSource.Failure {
                    throw FileFailure(description: failure.description)
                }
                let rules = SaleRowRules(header: header.fields)
                var figures = AfricaFigures()
                var batch: [CheckedRow] = []
                batch.reserveCapacity(CheckedRowChannel.batchSize)
                while true {
                    let record: CSVRecordReader.Record?
                    do {
                        record = try reader.next()
                    } catch {
                        throw FileFailure(description: error.description)
                    }
                    guard let record else { break }
                    let outcome = rules.check(record.fields, rates: rates)
                    if countsFigures, case .judged(_, .success(let sale)) = outcome { figures.count(sale) }
                    batch.append(CheckedRow(file: name, line: record.line, fields: record.fields, header: header.fields, outcome: outcome))
                    if batch.count == CheckedRowChannel.batchSize {
                        guard channel.put(CheckedBatch(rows: batch, endsFile: false, figures: nil)) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                guard channel.put(CheckedBatch(rows: batch, endsFile: true, figures: countsFigures ? figures : nil)) else { return }
            }
            channel.finish(nil)
        } catch {
            channel.finish(error)
        }
    }
}

/// Rows of one file in its order; the last batch of the file says so (it may hold no row).
struct CheckedBatch: Sendable {
    let rows: [CheckedRow]
    let endsFile: Bool
    /// With the file's last batch: what the reader counted of the file (`countsFigures`).
    let figures: AfricaFigures?
}

/// A row as the reading thread checked it, with what a rejection keeps of it.
struct CheckedRow: Sendable {
    let file: String
    let line: Int
    let fields: [String]
    let header: [String]
    let outcome: SaleRowRules.Checked
}

/// Batches of checked rows from a reading thread to the judging one, a few at most in flight (memory bounded),
/// then the end or the reading's failure. Either side can stop the other: the judge by `cancel` (its caller threw),
/// the reader by `finish`. A condition variable guards the state (`@unchecked`: every field is read and written
/// under `condition`).
final class CheckedRowChannel: @unchecked Sendable {
    static let batchSize = 2048
    private let condition = NSCondition()
    private let capacity: Int
    private var batches: [CheckedBatch] = []
    /// Batches the judge is done with, freed by the reader that made them: with glibc, memory freed by another
    /// thread than the one that allocated it takes that thread's arena lock, and the two threads then queue on it.
    private var spent: [CheckedBatch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the judge has gone (stop reading).
    func put(_ batch: CheckedBatch) -> Bool {
        var done: [CheckedBatch] = []
        defer { done.removeAll() }  // after the unlock below (defers run last first), on this thread
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        swap(&done, &spent)
        condition.broadcast()
        return true
    }

    /// The judge hands back a batch it has finished with.
    func recycle(_ batch: CheckedBatch) {
        condition.lock()
        spent.append(batch)
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil at the end. - Throws: the reading's failure, after the rows read before it.
    func take() throws -> CheckedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty, !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }
}
