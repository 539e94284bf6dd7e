import Foundation
import Synchronization
public import Scheduler

/// `kind: africa-trends`: the contract's three tables (section 4) from the run's curated sales, and two for the
/// investor (3-month moving averages; countries ranked by size and growth with their electric and hybrid share),
/// into the analysis zone under the run's logical date (`analysis/africa-trends/pipeline=…/date=…`), where each
/// run's copy stays.
public struct AfricaTrendsJob: JobKind {
    public struct Settings: Decodable, Sendable {}

    public static let kindName = "africa-trends"
    /// Its dataset in the lake's analysis zone.
    static let analysisDataset = "africa-trends"
    let hub: BatchHub?

    public init(settings: Settings) throws { self.init(hub: nil) }
    public init(hub: BatchHub?) { self.hub = hub }

    /// The tables as files of the analysis zone and tables of the warehouse.
    static let tables: [(name: String, columns: [WarehouseTable.Column])] = [
        ("africa_monthly_sales", [
            .init(name: "month", type: .text), .init(name: "country", type: .text), .init(name: "region", type: .text),
            .init(name: "orders", type: .integer), .init(name: "units", type: .integer), .init(name: "revenue_usd", type: .money),
        ]),
        ("africa_country_trends", [.init(name: "country", type: .text)] + trendColumns),
        ("africa_region_trends", trendColumns),
        // Beyond the contract, for the investor.
        ("africa_revenue_moving_avg", [
            .init(name: "month", type: .text), .init(name: "country", type: .text), .init(name: "region", type: .text),
            .init(name: "revenue_usd", type: .money), .init(name: "revenue_3m_avg", type: .money),
        ]),
        ("africa_country_ranking", [
            .init(name: "country", type: .text), .init(name: "region", type: .text), .init(name: "as_of", type: .text),
            .init(name: "revenue_last_12m", type: .money), .init(name: "yoy_growth", type: .fraction), .init(name: "rank_by_size", type: .integer),
            .init(name: "rank_by_growth", type: .integer), .init(name: "electrified_share_last_12m", type: .fraction),
        ]),
    ]

    private static let trendColumns: [WarehouseTable.Column] = [
        .init(name: "region", type: .text), .init(name: "as_of", type: .text), .init(name: "revenue_last_12m", type: .money),
        .init(name: "revenue_prev_12m", type: .money), .init(name: "yoy_growth", type: .fraction), .init(name: "units_last_12m", type: .integer),
        .init(name: "share_last_12m", type: .fraction),
    ]

    public func run(in context: JobContext) async throws {
        try await StepThread.run(Self.kindName) { stop in try work(context, stop) }
    }

    /// The curated rows of `files`, counted.
    private static func count(_ files: [String], stop: StepStop) throws -> AfricaFigures {
        var figures = AfricaFigures()
        for path in files {
            try stop.check()
            let reader = CSVRecordReader(source: try ByteSource(path: path))
            guard let header = try reader.next() else { continue }
            let columns = try CuratedSales.Counted(header: header.fields)
            while let record = try reader.next() {
                let sale = try columns.sale(record.fields)
                figures.count(
                    month: sale.month, country: sale.country, status: sale.status, quantity: sale.quantity, revenue: sale.revenue, fuel: sale.fuel)
            }
        }
        return figures
    }

    private func work(_ context: JobContext, _ stop: StepStop) throws {
        let run = try BatchRun(hub: hub, context: context, kind: Self.kindName)
        let curated = try run.published(.curated, "sales", by: "sales-clean")
        // The month files split between two threads (two cores), each counting its own; the exact sums merged.
        let files = curated.manifest.files.map(\.name).sorted().filter { $0.hasSuffix(".csv") }.map { curated.directory.appendingPathComponent($0).path }
        let halves = [stride(from: 0, to: files.count, by: 2).map { files[$0] }, stride(from: 1, to: files.count, by: 2).map { files[$0] }]
        let other = Mutex<Result<AfricaFigures, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            other.withLock { $0 = Result { try Self.count(halves[1], stop: stop) } }
            done.signal()
        }
        let mine = Result { try Self.count(halves[0], stop: stop) }
        done.wait()
        var figures = try mine.get()
        figures.merge(try other.withLock { $0! }.get())
        let staged = try run.hub.lake.makeStaging()
        do {
            let texts = [
                AfricaTables.monthlySales(figures), AfricaTables.countryTrends(figures), AfricaTables.regionTrends(figures),
                AfricaTables.movingAverages(figures), AfricaTables.rankings(figures),
            ]
            var rows: [String: Int] = [:]
            for (table, text) in zip(Self.tables, texts) {
                try text.write(to: staged.appendingPathComponent("\(table.name).csv"), atomically: false, encoding: .utf8)
                rows["\(table.name).csv"] = text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } - 1
            }
            let schema = Self.tables.flatMap { table in table.columns.map { LakeManifest.Column(name: "\(table.name).\($0.name)", type: $0.type.rawValue) } }
            try run.publish(run.partition(.analysis, Self.analysisDataset), staged: staged, rows: rows, schema: schema)
            context.reporter.figure("as_of_months", Double(figures.monthly.count))
        } catch {
            try? FileManager.default.removeItem(at: staged)
            throw error
        }
    }
}
