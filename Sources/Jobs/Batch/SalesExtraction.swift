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

    /// What an extraction found: the rows accepted, and the contract's figures when `countsFigures`.
    struct Outcome {
        let accepted: Int
        let figures: AfricaFigures
    }

    /// Reads every file; `accepted` (when given) and `rejected` are called for each row in order, on the caller's
    /// thread. The files are read and checked (every rule but the duplicate one) on two threads of their own, files
    /// taken in turn, a few blocks ahead, while this thread judges duplicates and does what the caller does with each
    /// row, taking the files' blocks in the contract's order. Without `accepted`, no `Sale` is made at all.
    @discardableResult
    func run(accepted: ((Sale) throws -> Void)?, rejected: (RejectedRow) throws -> Void) throws -> Outcome {
        // Room for about as many ids as the plain files hold rows (~150 bytes a row): the set grows without rehashing.
        let plainBytes = files.filter { !$0.hasSuffix(".gz") }.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        var acceptedIDs = SaleIDSet(capacity: min(plainBytes / 150, 50_000_000))
        let readers = min(2, max(1, files.count))
        let channels = (0..<readers).map { _ in CheckedRowChannel(capacity: 4) }
        let done = DispatchSemaphore(value: 0)
        let reading = Reading(extraction: self, table: FXMonthTable(rates), seed: acceptedIDs.seed, makesSales: accepted != nil)
        for (number, channel) in channels.enumerated() {
            let mine = files.indices.filter { $0 % readers == number }.map { files[$0] }
            Thread.detachNewThread {
                reading.check(files: mine, into: channel)
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
        var acceptedRows = 0
        // The readers' counts, merged as each file ends, and the duplicates they counted, to take back out.
        var figures = AfricaFigures()
        var duplicates = AfricaTally()
        while file < files.count, let batch = try channels[file % readers].take() {
            let channel = channels[file % readers]
            if batch.endsFile { file += 1 }
            if let counted = batch.figures { figures.merge(counted.figures) }
            defer { channel.recycle(batch) }
            var sales = batch.sales.makeIterator()
            try batch.block.withRows { rows in
                for (offset, verdict) in batch.verdicts.enumerated() {
                    let record = batch.firstRecord + offset
                    let row = rows.row(record)
                    switch verdict {
                    case .refused(let cause):
                        try rejected(batch.rejected(record, cause))
                    case .passed(let hash):
                        let sale = sales.next()
                        // One probe: inserted, or already there (a duplicate).
                        if acceptedIDs.insert(row[batch.rules.saleID], hash: hash) {
                            acceptedRows += 1
                            if let accepted, let sale { try accepted(sale) }
                        } else {
                            if countsFigures, case (_, let passed?) = batch.rules.check(row, rates: reading.table, seed: 0) {
                                duplicates.count(passed, times: -1)
                            }
                            try rejected(batch.duplicate(record, row))
                        }
                    case .failed(let hash, let cause):
                        let duplicate = acceptedIDs.contains(row[batch.rules.saleID], hash: hash)
                        try rejected(duplicate ? batch.duplicate(record, row) : batch.rejected(record, cause))
                    }
                }
            }
        }
        figures.merge(duplicates.figures)
        figures.dropEmpty()
        return Outcome(accepted: acceptedRows, figures: figures)
    }

    /// What the reading threads share: the extraction, its FX table, the ids' hash seed, and whether sales are made.
    private struct Reading: Sendable {
        let extraction: SalesExtraction
        let table: FXMonthTable
        let seed: UInt64
        let makesSales: Bool

        /// A reading thread: its files' rows, checked, a block at a time, the last of each file marked; a file that
        /// cannot be read ends it with its failure.
        func check(files: [String], into channel: CheckedRowChannel) {
            do {
                for path in files {
                    guard try check(path, into: channel) else { return }
                }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }

        /// One file; false when the judge has gone.
        private func check(_ path: String, into channel: CheckedRowChannel) throws -> Bool {
            let name = (path as NSString).lastPathComponent
            let reader: CSVBlockReader
            var block: CSVBlock?
            do {
                reader = CSVBlockReader(source: try ByteSource(path: path))
                block = try reader.next()
            } catch {
                throw FileFailure(description: error.description)
            }
            guard let first = block else { throw FileFailure(description: "\(path): empty, no header row") }
            let header = first.strings(0)
            let rules = SaleRowRules(header: header)
            var tally = AfricaTally()
            var firstRecord = 1
            while let current = block {
                var verdicts: [SaleRowRules.Verdict] = []
                var sales: [Sale] = []
                verdicts.reserveCapacity(current.count - firstRecord)
                current.withRows { rows in
                    for record in firstRecord..<current.count {
                        let row = rows.row(record)
                        let (verdict, passed) = rules.check(row, rates: table, seed: seed)
                        verdicts.append(verdict)
                        guard let passed else { continue }
                        if extraction.countsFigures { tally.count(passed) }
                        if makesSales { sales.append(rules.sale(row, passed)) }
                    }
                }
                let batch = CheckedBatch(
                    file: name, header: header, rules: rules, block: current, firstRecord: firstRecord, verdicts: verdicts, sales: sales,
                    endsFile: false, figures: nil)
                guard channel.put(batch) else { return false }
                firstRecord = 0
                do {
                    block = try reader.next()
                } catch {
                    throw FileFailure(description: error.description)
                }
            }
            let last = CheckedBatch(
                file: name, header: header, rules: rules, block: CSVBlock(records: []), firstRecord: 0, verdicts: [], sales: [], endsFile: true,
                figures: extraction.countsFigures ? tally : nil)
            return channel.put(last)
        }
    }
}

/// A block of one file's rows as a reading thread checked them, in the file's order; the last batch of the file says
/// so (it holds no row).
struct CheckedBatch: Sendable {
    let file: String
    let header: [String]
    let rules: SaleRowRules
    let block: CSVBlock
    /// The block's first row (the header is not one).
    let firstRecord: Int
    /// One per row from `firstRecord`.
    let verdicts: [SaleRowRules.Verdict]
    /// The sales of the rows that passed, in order (when sales are made).
    let sales: [Sale]
    let endsFile: Bool
    /// With the file's last batch: what the reader counted of the file (`countsFigures`).
    let figures: AfricaTally?

    func rejected(_ record: Int, _ cause: RejectedRow.Cause) -> RejectedRow {
        RejectedRow(cause: cause, file: file, line: block.lines[record], fields: block.strings(record), header: header)
    }

    func duplicate(_ record: Int, _ row: CSVBlock.Row) -> RejectedRow {
        rejected(record, .duplicate(of: row.string(rules.saleID)))
    }
}

/// Batches of checked rows from a reading thread to the judging one, a few at most in flight (memory bounded),
/// then the end or the reading's failure. Either side can stop the other: the judge by `cancel` (its caller threw),
/// the reader by `finish`. A condition variable guards the state (`@unchecked`: every field is read and written
/// under `condition`).
final class CheckedRowChannel: @unchecked Sendable {

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
