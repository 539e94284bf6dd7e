public import Foundation
public import Scheduler

extension BatchHub: AnalysisProvider {
    /// The analysis zone's datasets a run may have published (one per analysis kind).
    static let analysisDatasets = [AfricaTrendsJob.analysisDataset]

    public func analysisTableNames(pipeline: PipelineID, logicalDate: Date) throws -> [String]? {
        let lake = try resources().lake
        var names: [String] = []
        for dataset in Self.analysisDatasets {
            let partition = Self.partition(.analysis, dataset, pipeline: pipeline.rawValue, date: Self.dateKey(logicalDate))
            guard let manifest = try lake.manifest(of: partition) else { continue }
            names += manifest.files.map(\.name).sorted().filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(".csv".count)) }
        }
        return names.isEmpty ? nil : names
    }

    public func analysis(pipeline: PipelineID, logicalDate: Date) throws -> [AnalysisTable]? {
        let lake = try resources().lake
        var tables: [AnalysisTable] = []
        for dataset in Self.analysisDatasets {
            let partition = Self.partition(.analysis, dataset, pipeline: pipeline.rawValue, date: Self.dateKey(logicalDate))
            guard let manifest = try lake.manifest(of: partition) else { continue }
            let directory = try lake.read(partition)
            for file in manifest.files.map(\.name).sorted() where file.hasSuffix(".csv") {
                let path = directory.appendingPathComponent(file).path
                let reader = CSVRecordReader(source: try ByteSource(path: path))
                let columns = try reader.next()?.fields ?? []
                var rows: [[String?]] = []
                while let record = try reader.next() { rows.append(record.fields.map { $0.isEmpty ? nil : $0 }) }
                let text = try String(contentsOfFile: path, encoding: .utf8)
                tables.append(AnalysisTable(name: String(file.dropLast(".csv".count)), columns: columns, rows: rows, csv: text))
            }
        }
        return tables.isEmpty ? nil : tables
    }
}
