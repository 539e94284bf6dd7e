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

    /// Reads every file; `accepted` and `rejected` are called for each row in order.
    func run(accepted: (Sale) throws -> Void, rejected: (RejectedRow) throws -> Void) throws {
        var acceptedIDs: Set<String> = []
        // Room for about as many ids as the plain files hold rows (~150 bytes a row): the set grows without rehashing.
        let plainBytes = files.filter { !$0.hasSuffix(".gz") }.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        acceptedIDs.reserveCapacity(min(plainBytes / 150, 50_000_000))
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
            while true {
                let record: CSVRecordReader.Record?
                do {
                    record = try reader.next()
                } catch {
                    throw FileFailure(description: error.description)
                }
                guard let record else { break }
                switch rules.read(record.fields, rates: rates, accepted: acceptedIDs) {
                case .success(let sale):
                    acceptedIDs.insert(sale.saleID)
                    try accepted(sale)
                case .failure(let cause):
                    try rejected(RejectedRow(cause: cause, file: name, line: record.line, fields: record.fields, header: header.fields))
                }
            }
        }
    }
}
