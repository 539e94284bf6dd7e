public import Foundation
import Crypto

/// One OpenLineage run event (START, COMPLETE, FAIL) of one task attempt: the job (`<pipeline>.<task>`), the run
/// (a UUID drawn from the attempt, its pipeline run as the parent, the logical date as the nominal time), and on
/// completion the datasets the attempt reported, with their rows, bytes, schema and checksum. Recorded in the
/// engine's own transaction with the state change it describes; exported as OpenLineage JSON (Marquez reads it).
public struct LineageEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case start = "START", complete = "COMPLETE", fail = "FAIL"
    }

    public let kind: Kind
    public let time: Date
    public let attempt: AttemptKey
    public let pipeline: PipelineID
    public let logicalDate: Date
    public let inputs: [AttemptReport.Dataset]
    public let outputs: [AttemptReport.Dataset]
    /// Why it failed (FAIL only).
    public let error: String?

    public init(
        kind: Kind, time: Date, attempt: AttemptKey, pipeline: PipelineID, logicalDate: Date, inputs: [AttemptReport.Dataset] = [],
        outputs: [AttemptReport.Dataset] = [], error: String? = nil
    ) {
        self.kind = kind
        self.time = time
        self.attempt = attempt
        self.pipeline = pipeline
        self.logicalDate = logicalDate
        self.inputs = inputs
        self.outputs = outputs
        self.error = error
    }

    static let producer = "https://github.com/autooptimize/autooptimize"
    static let namespace = "autooptimize"

    /// The event as OpenLineage 2-0-2 JSON, one line.
    public var json: String {
        let facet = { (schema: String) -> [String: Any] in ["_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/\(schema)"] }
        var runFacets: [String: Any] = [
            "nominalTime": facet("1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet")
                .merging(["nominalStartTime": Self.stamp(logicalDate)]) { a, _ in a },
            "parent": facet("1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet").merging([
                "run": ["runId": Self.uuid("run|\(pipeline)|\(attempt.taskRun.run)")],
                "job": ["namespace": Self.namespace, "name": pipeline.rawValue],
            ]) { a, _ in a },
        ]
        if let error {
            runFacets["errorMessage"] = facet("1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet")
                .merging(["message": error, "programmingLanguage": "Swift"]) { a, _ in a }
        }
        let object: [String: Any] = [
            "eventType": kind.rawValue, "eventTime": Self.stamp(time), "producer": Self.producer,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": ["runId": Self.uuid("attempt|\(attempt)"), "facets": runFacets],
            "job": ["namespace": Self.namespace, "name": "\(pipeline).\(attempt.taskRun.task)", "facets": [String: Any]()],
            "inputs": inputs.map { dataset($0, output: false) }, "outputs": outputs.map { dataset($0, output: true) },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func dataset(_ dataset: AttemptReport.Dataset, output: Bool) -> [String: Any] {
        let (namespace, name) = Self.split(dataset.name)
        var facets: [String: Any] = [:]
        if !dataset.schema.isEmpty {
            facets["schema"] = [
                "_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                "fields": dataset.schema.map { ["name": $0.name, "type": $0.type] },
            ]
        }
        if let checksum = dataset.checksum {
            facets["autooptimize_checksum"] = [
                "_producer": Self.producer, "_schemaURL": "\(Self.producer)/blob/main/docs/lineage.md#checksum", "sha256": checksum,
            ]
        }
        var entry: [String: Any] = ["namespace": namespace, "name": name, "facets": facets]
        if output, dataset.rows != nil || dataset.bytes != nil {
            var statistics: [String: Any] = [
                "_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
            ]
            if let rows = dataset.rows { statistics["rowCount"] = rows }
            if let bytes = dataset.bytes { statistics["size"] = bytes }
            entry["outputFacets"] = ["outputStatistics": statistics]
        } else if !output, let rows = dataset.rows {
            entry["inputFacets"] = ["dataQualityMetrics": [
                "_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet",
                "rowCount": rows, "columnMetrics": [String: Any](),
            ]]
        }
        return entry
    }

    /// `scheme://authority/path` → (`scheme://authority`, `/path`), as OpenLineage names datasets; a name without a
    /// scheme is in our own namespace.
    static func split(_ name: String) -> (namespace: String, name: String) {
        guard let scheme = name.range(of: "://") else { return (namespace, name) }
        let rest = name[scheme.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let namespace = String(name[..<slash])
        return (namespace.hasSuffix("://") ? String(namespace.dropLast(3)) : namespace, String(rest[slash...]))
    }

    /// A name-based UUID (SHA-256, version 5's layout): the same attempt, the same run id, across restarts.
    static func uuid(_ name: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    static func stamp(_ date: Date) -> String { Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date) }

    private struct StoredDatasets: Codable {
        struct Dataset: Codable {
            let name: String
            let rows: Int?
            let bytes: Int?
            let checksum: String?
            let schema: [[String]]
        }
        let inputs: [Dataset]
        let outputs: [Dataset]
    }

    /// The datasets as the store keeps them (compact JSON).
    static func encodeDatasets(inputs: [AttemptReport.Dataset], outputs: [AttemptReport.Dataset]) -> String {
        let stored = { (dataset: AttemptReport.Dataset) in
            StoredDatasets.Dataset(
                name: dataset.name, rows: dataset.rows, bytes: dataset.bytes, checksum: dataset.checksum, schema: dataset.schema.map { [$0.name, $0.type] })
        }
        let data = (try? JSONEncoder().encode(StoredDatasets(inputs: inputs.map(stored), outputs: outputs.map(stored)))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeDatasets(_ text: String?) -> (inputs: [AttemptReport.Dataset], outputs: [AttemptReport.Dataset]) {
        guard let text, let stored = try? JSONDecoder().decode(StoredDatasets.self, from: Data(text.utf8)) else { return ([], []) }
        let dataset = { (stored: StoredDatasets.Dataset) in
            AttemptReport.Dataset(
                name: stored.name, rows: stored.rows, bytes: stored.bytes, checksum: stored.checksum,
                schema: stored.schema.compactMap { $0.count == 2 ? .init(name: $0[0], type: $0[1]) : nil })
        }
        return (stored.inputs.map(dataset), stored.outputs.map(dataset))
    }
}
