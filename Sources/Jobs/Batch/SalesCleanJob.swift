import Foundation
import Logging
public import Scheduler

/// `kind: sales-clean`: the run's raw sales through every rule of the contract. Accepted rows go to the curated
/// zone with people replaced by vault tokens (`curated/sales/pipeline=…/date=…/month=…/sales.csv`); rejected rows, whole, with
/// their reason, file and line, to `rejects/sales/pipeline=…/date=…` (`rejects.csv`: the row as a JSON object of its
/// header's names; `reasons.csv`: rows per reason).
/// Both are published only once every file was read: a failed run leaves the lake as it was.
public struct SalesCleanJob: JobKind {
    public struct Settings: Decodable, Sendable {}

    public static let kindName = "sales-clean"
    let hub: BatchHub?

    public init(settings: Settings) throws { self.init(hub: nil) }
    public init(hub: BatchHub?) { self.hub = hub }

    public func run(in context: JobContext) async throws {
        try await StepThread.run(Self.kindName) { stop in try work(context, stop) }
    }

    private func work(_ context: JobContext, _ stop: StepStop) throws {
        let run = try BatchRun(hub: hub, context: context, kind: Self.kindName)
        let raw = try run.published(.raw, "sales", by: "sales-extract")
        let fx = try run.published(.raw, "fx_rates", by: "sales-extract")
        guard let fxFile = fx.manifest.files.first else { throw JobFailure("\(fx.partition) holds no FX file") }
        let rates: FXRates
        do {
            rates = try FXRates(csv: String(contentsOf: fx.directory.appendingPathComponent(fxFile.name), encoding: .utf8))
        } catch let error as FXRates.Failure {
            throw JobFailure("fx_rates \(fxFile.name):\(error.line): \(error.message)")
        }
        let files = raw.manifest.files.map(\.name).sorted(by: SalesExtraction.nameOrder).map { raw.directory.appendingPathComponent($0).path }

        let curated = try run.hub.lake.makeStaging()
        let rejects = try run.hub.lake.makeStaging()
        do {
            let writer = try CuratedWriter(directory: curated, vault: run.hub.vault)
            let rejectsFile = try LineWriter(url: rejects.appendingPathComponent("rejects.csv"), header: "file,line,reason,detail,row\n")
            var reasons: [String: Int] = [:]
            try SalesExtraction(files: files, rates: rates).run(
                accepted: { sale in
                    try writer.add(sale)
                    if writer.pending == 0 { try stop.check() }
                },
                rejected: { row in
                    reasons[row.cause.reason.rawValue, default: 0] += 1
                    try rejectsFile.write(CSVText.line([row.file, String(row.line), row.cause.reason.rawValue, row.cause.detail, row.json]))
                })
            try writer.finish()
            try rejectsFile.close()
            let counts = reasons.keys.sorted().map { CSVText.line([$0, String(reasons[$0]!)]) }.joined()
            try ("reason,rows\n" + counts).write(to: rejects.appendingPathComponent("reasons.csv"), atomically: false, encoding: .utf8)
            let rejected = reasons.values.reduce(0, +)
            context.reporter.figure("rows_accepted", Double(writer.rows))
            context.reporter.figure("rows_rejected", Double(rejected))
            try run.publish(run.partition(.curated, "sales"), staged: curated, rows: writer.rowsByFile, schema: CuratedSales.columns)
            try run.publish(
                run.partition(.rejects, "sales"), staged: rejects, rows: ["rejects.csv": rejected, "reasons.csv": reasons.count],
                schema: ["file", "line", "reason", "detail", "row"].map { .init(name: $0, type: $0 == "line" ? "integer" : $0 == "row" ? "json" : "text") })
            context.logger.info("\(writer.rows) rows accepted, \(rejected) rejected (\(reasons.keys.sorted().map { "\($0): \(reasons[$0]!)" }.joined(separator: ", ")))")
        } catch let failure as SalesExtraction.FileFailure {
            Self.discard(curated, rejects)
            throw JobFailure(failure.description)
        } catch {
            Self.discard(curated, rejects)
            throw error
        }
    }

    private static func discard(_ directories: URL...) {
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
    }
}

/// A text file written through a buffer (the rows of a large extraction never sit in memory whole).
final class LineWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(url: URL, header: String) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw LakeError("\(url.path): cannot be created") }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 17)
        try write(header)
    }

    func write(_ text: String) throws {
        buffer += text.utf8
        if buffer.count >= 1 << 17 { try flush() }
    }

    /// Appends bytes straight into the buffer (no `String` in between).
    func write(_ append: (inout [UInt8]) -> Void) throws {
        append(&buffer)
        if buffer.count >= 1 << 17 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}

/// Accepted sales to their month's curated file, people to tokens a few thousand rows at a time (one vault
/// transaction for the new people among them).
final class CuratedWriter {
    private let directory: URL
    private let vault: PseudonymVault
    private var months: [String: LineWriter] = [:]
    private var waiting: [Sale] = []
    private var known: [PseudonymVault.Identity: String] = [:]
    private(set) var rows = 0
    private var rowsByMonth: [String: Int] = [:]
    /// Rows per file of the partition (`month=…/sales.csv`), for its manifest.
    var rowsByFile: [String: Int] { Dictionary(uniqueKeysWithValues: rowsByMonth.map { ("month=\($0.key)/sales.csv", $0.value) }) }
    var pending: Int { waiting.count }

    init(directory: URL, vault: PseudonymVault) throws {
        self.directory = directory
        self.vault = vault
    }

    func add(_ sale: Sale) throws {
        waiting.append(sale)
        if waiting.count >= 5000 { try drain() }
    }

    func finish() throws {
        try drain()
        for writer in months.values { try writer.close() }
    }

    private func drain() throws {
        // Each sale's two people, made once (normalising a name or an email is not free), and looked up once: the
        // tokens known already now, the others after one vault transaction for all of them.
        var tokens: [(customer: String?, seller: String?)] = []
        tokens.reserveCapacity(waiting.count)
        var unknown: Set<PseudonymVault.Identity> = []
        var people: [(customer: PseudonymVault.Identity, seller: PseudonymVault.Identity)?] = []
        people.reserveCapacity(waiting.count)
        for sale in waiting {
            let customer = Self.customer(sale), seller = Self.seller(sale)
            let known = (self.known[customer], self.known[seller])
            if known.0 == nil { unknown.insert(customer) }
            if known.1 == nil { unknown.insert(seller) }
            tokens.append(known)
            people.append(known.0 == nil || known.1 == nil ? (customer, seller) : nil)
        }
        if !unknown.isEmpty {
            if known.count > 200_000 { known.removeAll(keepingCapacity: true) }  // bounded; the vault finds them again
            known.merge(try vault.tokens(for: unknown)) { _, new in new }
        }
        for index in waiting.indices {
            let month = waiting[index].month
            let writer = try months[month] ?? {
                let made = try LineWriter(url: directory.appendingPathComponent("month=\(month)/sales.csv"), header: CuratedSales.header)
                months[month] = made
                return made
            }()
            var (customerToken, sellerToken) = tokens[index]
            if let person = people[index] {
                customerToken = customerToken ?? known[person.customer]
                sellerToken = sellerToken ?? known[person.seller]
            }
            try writer.write {
                CuratedSales.appendLine(waiting[index], sellerToken: sellerToken ?? "", customerToken: customerToken ?? "", to: &$0)
            }
            rows += 1
            rowsByMonth[month, default: 0] += 1
        }
        waiting.removeAll(keepingCapacity: true)
    }

    private static func customer(_ sale: Sale) -> PseudonymVault.Identity {
        .customer(name: sale.person.customerName, email: sale.person.customerEmail, phone: sale.person.customerPhone)
    }

    private static func seller(_ sale: Sale) -> PseudonymVault.Identity { .seller(id: sale.sellerID, name: sale.person.sellerName) }
}
