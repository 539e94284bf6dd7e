import Connectors
import Crypto
import Foundation

/// The lake on HDFS through the WebHDFS REST API (`lake.webhdfs`): the zones, partitions and manifests of `LocalLake`
/// under `root`. A partition is staged locally, uploaded under `<root>/.staging/<id>/` (each CREATE goes to the
/// namenode, which redirects it to a datanode that takes the bytes: the two steps WebHDFS asks for, so no data is
/// sent before the redirect), its manifest last, then moved into place by RENAME. WebHDFS cannot swap two
/// directories: a partition being replaced is renamed aside first, the new one renamed in, then the old one deleted,
/// so a reader between the two renames finds no partition (never half of one), and a failure puts the old one back.
/// Reads download a partition into a local cache (`<data>/lake-cache`), each file checked against the manifest's
/// size and SHA-256. Blocking calls: the batch steps that use it run on threads of their own.
struct WebHDFSLake: DataLake {
    let settings: WebHDFSSettings
    /// Local directories: partitions being written, and partitions read.
    let staging: URL
    let cache: URL

    /// Opens the lake: what a crash left in the local staging and cache is removed; HDFS is not touched until used.
    init(settings: WebHDFSSettings, dataDirectory: URL) throws {
        self.settings = settings
        staging = dataDirectory.appendingPathComponent("lake-staging")
        cache = dataDirectory.appendingPathComponent("lake-cache")
        for directory in [staging, cache] {
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    /// `webhdfs://host:port/root`: the WebHDFS address (not the namenode's RPC port), for lineage.
    var namespace: String {
        let address = settings.url.drop { $0 != ":" }.dropFirst(3)
        return "webhdfs://\(address)\(settings.root)"
    }

    func makeStaging() throws -> URL {
        let directory = staging.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func publish(_ partition: LakePartition, staged: URL, rows: [String: Int], schema: [LakeManifest.Column], run: String) throws -> LakeManifest {
        let manifest = try LakeManifest.describing(staged, partition: partition, rows: rows, schema: schema, run: run)
        try manifest.encoded().write(to: staged.appendingPathComponent(LakeManifest.fileName))
        let upload = "\(settings.root)/.staging/\(UUID().uuidString)"
        let target = "\(settings.root)/\(partition.path)"
        do {
            try call("MKDIRS", upload, method: "PUT")
            for file in manifest.files.map(\.name) + [LakeManifest.fileName] {
                try create("\(upload)/\(file)", from: staged.appendingPathComponent(file))
            }
            try call("MKDIRS", (target as NSString).deletingLastPathComponent, method: "PUT")
            if try exists(target) {
                let aside = "\(settings.root)/.staging/replaced-\(UUID().uuidString)"
                try rename(target, to: aside)
                do {
                    try rename(upload, to: target)
                } catch {
                    try? rename(aside, to: target)
                    throw error
                }
                try? call("DELETE", aside, method: "DELETE", query: "&recursive=true")
            } else {
                try rename(upload, to: target)
            }
        } catch {
            try? call("DELETE", upload, method: "DELETE", query: "&recursive=true")
            throw error
        }
        try? FileManager.default.removeItem(at: staged)
        return manifest
    }

    func manifest(of partition: LakePartition) throws -> LakeManifest? {
        let path = "\(settings.root)/\(partition.path)/\(LakeManifest.fileName)"
        let response = try send(op: "OPEN", path, method: "GET", follow: true)
        if response.status == 404 { return nil }
        try Self.check(response, op: "OPEN", path)
        do {
            return try JSONDecoder().decode(LakeManifest.self, from: Data(response.body))
        } catch {
            throw LakeError("\(partition): its manifest on HDFS cannot be read (\(error))")
        }
    }

    func read(_ partition: LakePartition) throws -> URL {
        guard let manifest = try manifest(of: partition) else { throw LakeError("\(partition): not published") }
        // One local copy per published version of the partition: a copy is complete and checked before it is used.
        let version = SHA256.hash(data: try manifest.encoded()).map { String(format: "%02x", $0) }.joined().prefix(16)
        let local = cache.appendingPathComponent(partition.path).appendingPathComponent(String(version))
        if FileManager.default.fileExists(atPath: local.path) { return local }
        let download = cache.appendingPathComponent(".download-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: download) }
        for file in manifest.files {
            let destination = download.appendingPathComponent(file.name)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let path = "\(settings.root)/\(partition.path)/\(file.name)"
            try Self.check(try send(op: "OPEN", path, method: "GET", follow: true, into: destination.path), op: "OPEN", path)
            let (bytes, digest) = try LakeManifest.sha256(of: destination)
            guard bytes == file.bytes, digest == file.sha256 else {
                throw LakeError("\(partition)/\(file.name) on HDFS: \(bytes) bytes with SHA-256 \(digest) where the manifest says \(file.bytes) bytes, \(file.sha256)")
            }
        }
        try manifest.encoded().write(to: download.appendingPathComponent(LakeManifest.fileName))
        try FileManager.default.createDirectory(at: local.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Older copies of this partition go; a concurrent reader of this same version may have placed it first.
        for old in (try? FileManager.default.contentsOfDirectory(atPath: local.deletingLastPathComponent().path)) ?? [] where old != String(version) {
            try? FileManager.default.removeItem(at: local.deletingLastPathComponent().appendingPathComponent(old))
        }
        if Foundation.rename(download.path, local.path) != 0, !FileManager.default.fileExists(atPath: local.path) {
            throw LakeError("\(partition): its local copy cannot be kept in \(cache.path) (\(String(cString: strerror(errno))))")
        }
        return local
    }

    func children(of parent: LakePartition) throws -> [LakePartition] {
        let path = "\(settings.root)/\(parent.path)"
        let response = try send(op: "LISTSTATUS", path, method: "GET")
        if response.status == 404 { return [] }
        try Self.check(response, op: "LISTSTATUS", path)
        struct Listing: Decodable {
            struct Statuses: Decodable { let FileStatus: [Status] }
            struct Status: Decodable {
                let pathSuffix: String
                let type: String
            }
            let FileStatuses: Statuses
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(response.body))
        return listing.FileStatuses.FileStatus.filter { $0.type == "DIRECTORY" }.map(\.pathSuffix).sorted().compactMap { name in
            guard let equals = name.firstIndex(of: "="), !name.hasPrefix(".") else { return nil }
            return parent.appending(String(name[..<equals]), String(name[name.index(after: equals)...]))
        }
    }

    // MARK: - WebHDFS operations

    /// Two steps, as WebHDFS asks: the namenode answers where to write (307 and a datanode's address), the file goes
    /// there, streamed.
    private func create(_ path: String, from file: URL) throws {
        let redirect = try send(op: "CREATE", path, method: "PUT", query: "&overwrite=true")
        guard redirect.status == 307, let location = redirect.header("location") else {
            try Self.check(redirect, op: "CREATE", path)
            throw LakeError("WebHDFS CREATE \(path): the namenode answered \(redirect.status) without a datanode to write to")
        }
        let written = try perform(HTTPRequest(method: "PUT", url: location, timeout: timeout, caFile: settings.caFile, bodyFile: file.path), op: "CREATE", path)
        guard written.status == 201 else {
            try Self.check(written, op: "CREATE (datanode)", path)
            throw LakeError("WebHDFS CREATE \(path): the datanode answered \(written.status), not 201 Created")
        }
    }

    private func rename(_ path: String, to destination: String) throws {
        let response = try send(op: "RENAME", path, method: "PUT", query: "&destination=\(Self.encode(destination))")
        try Self.check(response, op: "RENAME", path)
        guard Self.boolean(response) == true else { throw LakeError("WebHDFS RENAME \(path) to \(destination): HDFS refused (it answered false)") }
    }

    private func exists(_ path: String) throws -> Bool {
        let response = try send(op: "GETFILESTATUS", path, method: "GET")
        if response.status == 404 { return false }
        try Self.check(response, op: "GETFILESTATUS", path)
        return true
    }

    private func call(_ op: String, _ path: String, method: String, query: String = "") throws {
        let response = try send(op: op, path, method: method, query: query)
        try Self.check(response, op: op, path)
        if Self.boolean(response) == false, op == "MKDIRS" { throw LakeError("WebHDFS MKDIRS \(path): HDFS refused (it answered false)") }
    }

    private var timeout: Duration { .seconds(settings.timeoutSeconds) }

    private func send(op: String, _ path: String, method: String, query: String = "", follow: Bool = false, into file: String? = nil) throws -> HTTPResponse {
        let user = settings.user.map { "&user.name=\(Self.encode($0))" } ?? ""
        let url = "\(settings.url)/webhdfs/v1\(Self.encode(path))?op=\(op)\(user)\(query)"
        return try perform(
            HTTPRequest(method: method, url: url, timeout: timeout, caFile: settings.caFile, followRedirects: follow, responseFile: file), op: op, path)
    }

    private func perform(_ request: HTTPRequest, op: String, _ path: String) throws -> HTTPResponse {
        do {
            return try CurlHTTPClient.sendBlocking(request)
        } catch let failure as HTTPFailure {
            throw LakeError("WebHDFS \(op) \(path): HDFS at \(settings.url) did not answer: \(failure.message)")
        }
    }

    /// A 2xx passes; anything else is an error in HDFS's own words (its RemoteException) where it gave them.
    private static func check(_ response: HTTPResponse, op: String, _ path: String) throws {
        guard !(200..<300).contains(response.status) else { return }
        struct Remote: Decodable {
            struct Exception: Decodable {
                let exception: String?
                let message: String?
            }
            let RemoteException: Exception
        }
        let said: String
        if let remote = try? JSONDecoder().decode(Remote.self, from: Data(response.body)) {
            said = [remote.RemoteException.exception, remote.RemoteException.message].compactMap { $0 }.joined(separator: ": ")
        } else {
            said = String(decoding: response.body.prefix(300), as: UTF8.self)
        }
        throw LakeError("WebHDFS \(op) \(path): HTTP \(response.status)\(said.isEmpty ? "" : " \(said)")")
    }

    private static func boolean(_ response: HTTPResponse) -> Bool? {
        struct Answer: Decodable { let boolean: Bool }
        return (try? JSONDecoder().decode(Answer.self, from: Data(response.body)))?.boolean
    }

    /// Percent-encodes a path or value, keeping `/` and what needs no encoding in a path (`=` of `key=value` too).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "/-._~=")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
