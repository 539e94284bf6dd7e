import CProcessSupport
import Foundation

/// The lake as a local directory (`<data>/lake` by default). A partition is staged under `.staging/` on the same
/// file system, then moved into place with one `rename`, or swapped with the old one in one `renameat2`
/// (`RENAME_EXCHANGE`) when it is replaced: a reader, or a crash, sees the old partition whole or the new one whole.
struct LocalLake: DataLake {
    let root: URL

    /// Opens the lake; what a crash left in staging is removed (`BatchHub` opens it once, before any step stages).
    init(root: URL) throws {
        self.root = root
        let staging = root.appendingPathComponent(".staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [] {
            try? FileManager.default.removeItem(at: staging.appendingPathComponent(leftover))
        }
    }

    var namespace: String { "file://\(root.path)" }

    func makeStaging() throws -> URL {
        let staging = root.appendingPathComponent(".staging/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        return staging
    }

    func publish(_ partition: LakePartition, staged: URL, rows: [String: Int], schema: [LakeManifest.Column], run: String) throws -> LakeManifest {
        let manifest = try LakeManifest.describing(staged, partition: partition, rows: rows, schema: schema, run: run)
        try manifest.encoded().write(to: staged.appendingPathComponent(LakeManifest.fileName))
        try Self.synchronize(staged)
        let target = root.appendingPathComponent(partition.path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) {
            let code = cps_exchange_paths(staged.path, target.path)
            guard code == 0 else { throw LakeError("\(partition): cannot replace it (\(String(cString: strerror(code))))") }
            try FileManager.default.removeItem(at: staged)  // the old partition, now at the staging path
        } else {
            guard rename(staged.path, target.path) == 0 else {
                throw LakeError("\(partition): cannot publish it (\(String(cString: strerror(errno))))")
            }
        }
        return manifest
    }

    func manifest(of partition: LakePartition) throws -> LakeManifest? {
        let file = root.appendingPathComponent(partition.path).appendingPathComponent(LakeManifest.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try JSONDecoder().decode(LakeManifest.self, from: Data(contentsOf: file))
        } catch {
            throw LakeError("\(partition): its manifest cannot be read (\(error))")
        }
    }

    func read(_ partition: LakePartition) throws -> URL {
        guard let manifest = try manifest(of: partition) else { throw LakeError("\(partition): not published") }
        let directory = root.appendingPathComponent(partition.path)
        for file in manifest.files {
            let size = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file.name).path)[.size] as? Int) ?? nil
            guard size == file.bytes else { throw LakeError("\(partition)/\(file.name): \(size.map { "\($0) bytes" } ?? "missing") where the manifest says \(file.bytes)") }
        }
        return directory
    }

    func children(of parent: LakePartition) throws -> [LakePartition] {
        let directory = root.appendingPathComponent(parent.path)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.sorted().compactMap { name in
            guard let equals = name.firstIndex(of: "="), !name.hasPrefix(".") else { return nil }
            return parent.appending(String(name[..<equals]), String(name[name.index(after: equals)...]))
        }
    }

    /// Flushes a staged directory's files to disk before it is published (a power loss then cannot publish holes).
    private static func synchronize(_ directory: URL) throws {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let handle = try FileHandle(forUpdating: url)
            try handle.synchronize()
            try handle.close()
        }
    }
}
