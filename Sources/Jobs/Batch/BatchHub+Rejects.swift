public import Foundation
public import Scheduler

extension BatchHub: RejectsProvider {
    public func rejects(pipeline: PipelineID, logicalDate: Date, offset: Int, limit: Int) throws -> RunRejects? {
        let lake = try resources().lake
        let partition = Self.partition(.rejects, "sales", pipeline: pipeline.rawValue, date: Self.dateKey(logicalDate))
        guard let manifest = try lake.manifest(of: partition) else { return nil }
        let directory = try lake.read(partition)
        let reasons = try String(contentsOf: directory.appendingPathComponent("reasons.csv"), encoding: .utf8)
        let total = manifest.files.first { $0.name == "rejects.csv" }?.rows ?? 0
        var rows: [RunRejects.Rejected] = []
        let reader = CSVRecordReader(source: try ByteSource(path: directory.appendingPathComponent("rejects.csv").path))
        _ = try reader.next()  // the header
        var index = 0
        while rows.count < limit, let record = try reader.next() {
            defer { index += 1 }
            guard index >= offset, record.fields.count == 5 else { continue }
            let object = (try? JSONSerialization.jsonObject(with: Data(record.fields[4].utf8))) as? [String: String] ?? [:]
            var fields: [String: String] = [:]
            // A malformed row's fields may sit under the wrong names: all of its values are masked.
            let malformed = record.fields[2] == SaleRowRules.Reason.malformedRow.rawValue
            for (name, value) in object { fields[name] = (malformed || RejectedRow.personal.contains(name)) && !value.isEmpty ? "***" : value }
            rows.append(.init(file: record.fields[0], line: Int(record.fields[1]) ?? 0, reason: record.fields[2], detail: record.fields[3], fields: fields))
        }
        return RunRejects(total: total, reasonsCSV: reasons, rows: rows)
    }
}
