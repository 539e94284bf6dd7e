import Foundation
import Logging
public import Scheduler

/// `kind: warehouse-load`: the run's analysis tables into the warehouse, replacing the previous analysis whole in
/// one transaction (what Power BI reads is always one complete run).
public struct WarehouseLoadJob: JobKind {
    public struct Settings: Decodable, Sendable {}

    public static let kindName = "warehouse-load"
    let hub: BatchHub?

    public init(settings: Settings) throws { self.init(hub: nil) }
    public init(hub: BatchHub?) { self.hub = hub }

    public func run(in context: JobContext) async throws {
        try await StepThread.run(Self.kindName) { stop in try work(context, stop) }
    }

    private func work(_ context: JobContext, _ stop: StepStop) throws {
        let run = try BatchRun(hub: hub, context: context, kind: Self.kindName)
        let analysis = try run.published(.analysis, AfricaTrendsJob.analysisDataset, by: AfricaTrendsJob.kindName)
        var tables: [WarehouseTable] = []
        for table in AfricaTrendsJob.tables {
            let reader = CSVRecordReader(source: try ByteSource(path: analysis.directory.appendingPathComponent("\(table.name).csv").path))
            guard let header = try reader.next(), header.fields == table.columns.map(\.name) else {
                throw JobFailure("\(analysis.partition)/\(table.name).csv: its header is not the contract's")
            }
            var rows: [[String?]] = []
            while let record = try reader.next() { rows.append(record.fields.map { $0.isEmpty ? nil : $0 }) }
            tables.append(WarehouseTable(name: table.name, columns: table.columns, rows: rows))
        }
        try stop.check()
        do {
            try run.hub.warehouse.replace(tables, run: context.run.description)
        } catch let error as JobFailure {
            throw error
        } catch {
            throw JobFailure("the warehouse (\(run.hub.warehouse.namespace)) refused the load: \(error)")
        }
        for table in tables { context.reporter.wrote(.init(name: "\(run.hub.warehouse.namespace)/\(table.name)", rows: table.rows.count)) }
        context.logger.info("loaded \(tables.map { "\($0.name) (\($0.rows.count) rows)" }.joined(separator: ", ")) into \(run.hub.warehouse.namespace)")
    }
}
