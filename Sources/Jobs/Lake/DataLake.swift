import Crypto
import Foundation

/// The lake's zones: files as received, pseudonymised rows, analysis tables, rejected rows.
enum LakeZone: String, Sendable, CaseIterable {
    case raw, curated, analysis, rejects
}

/// One partition of the lake: `zone/dataset/key=value/…`, published and replaced whole.
struct LakePartition: Hashable, Sendable, CustomStringConvertible {
    let zone: LakeZone
    let dataset: String
    let keys: [Key]

    struct Key: Hashable, Sendable {
        let name: String
        let value: String
    }

    init(_ zone: LakeZone, _ dataset: String, _ keys: [(String, String)] = []) {
        self.zone = zone
        self.dataset = dataset
        self.keys = keys.map { Key(name: $0.0, value: $0.1) }
    }

    /// The partition's path under the lake's root.
    var path: String { ([zone.rawValue, dataset] + keys.map { "\($0.name)=\($0.value)" }).joined(separator: "/") }
    var description: String { path }

    /// A partition one level below this one.
    func appending(_ name: String, _ value: String) -> LakePartition {
        LakePartition(zone, dataset, keys.map { ($0.name, $0.value) } + [(name, value)])
    }
}

/// What a published partition holds, written beside its files (`_manifest.json`): each file's rows, bytes and
/// SHA-256, the columns of its tables, and the run that published it.
struct LakeManifest: Codable, Sendable, Equatable {
    struct File: Codable, Sendable, Equatable {
        let name: String
        /// Data rows (a CSV's header not counted); nil for files kept as received.
        let rows: Int?
        let bytes: Int
        let sha256: String
    }

    struct Column: Codable, Sendable, Equatable {
        let name: String
        let type: String
    }

    let partition: String
    let run: String
    let publishedAt: String
    let files: [File]
    let schema: [Column]

    static let fileName = "_manifest.json"

    enum CodingKeys: String, CodingKey {
        case partition, run, files, schema
        case publishedAt = "published_at"
    }

    var rows: Int { files.reduce(0) { $0 + ($1.rows ?? 0) } }
}

/// Where the batch workflow keeps its data: a local directory or HDFS. A partition is written to a staging
/// directory first, then published in one step: readers see the old partition whole or the new one whole, and a
/// failed run leaves what was published before it.
protocol DataLake: Sendable {
    /// Where it is, for lineage's dataset namespaces (`file:///…`, `hdfs://…`).
    var namespace: String { get }
    /// An empty local directory to write a partition's files into before `publish`.
    func makeStaging() throws -> URL
    /// Publishes the files of `staged` as `partition` (replacing what was there) and removes `staged`.
    /// - Parameter rows: data rows per file name, for the manifest.
    @discardableResult
    func publish(_ partition: LakePartition, staged: URL, rows: [String: Int], schema: [LakeManifest.Column], run: String) throws -> LakeManifest
    /// The partition's manifest; nil when it was never published.
    func manifest(of partition: LakePartition) throws -> LakeManifest?
    /// A local directory with the partition's files (the lake's own, or a copy), checked against its manifest.
    func read(_ partition: LakePartition) throws -> URL
    /// The partitions directly below `parent` (one more key), published or holding published ones.
    func children(of parent: LakePartition) throws -> [LakePartition]
}

struct LakeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension LakeManifest {
    /// Checksums the files of `directory` (all but the manifest, at any depth) into a manifest.
    static func describing(
        _ directory: URL, partition: LakePartition, rows: [String: Int], schema: [Column], run: String, now: Date = Date()
    ) throws -> LakeManifest {
        // Files at any depth (a partition may hold `month=…/` folders), by their path inside it.
        var names: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            if relative != fileName { names.append(relative) }
        }
        names.sort()
        let files = try names.map { name in
            let (bytes, digest) = try sha256(of: directory.appendingPathComponent(name))
            return File(name: name, rows: rows[name], bytes: bytes, sha256: digest)
        }
        let stamp = ISO8601DateFormatter().string(from: now)
        return LakeManifest(partition: partition.path, run: run, publishedAt: stamp, files: files, schema: schema)
    }

    /// A file's size and SHA-256 (hex), read a chunk at a time.
    static func sha256(of file: URL) throws -> (bytes: Int, hex: String) {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw LakeError("\(file.path): cannot be read") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += chunk.count
        }
        return (bytes, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
