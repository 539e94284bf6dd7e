public import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A namenode and a datanode that answer the WebHDFS REST API as Hadoop 3 does, over a local directory: MKDIRS,
/// CREATE (the namenode answers 307 with the datanode's address; the datanode takes the bytes and answers 201),
/// OPEN (307 to the datanode, which sends the bytes), GETFILESTATUS, LISTSTATUS, RENAME (false when the source is
/// missing or the destination exists, as HDFS does), DELETE; errors as HDFS's `RemoteException` JSON. It records
/// every request and what a client did that Hadoop would not take (data sent to the namenode with a CREATE, a
/// datanode write that did not come through a redirect), and can fail chosen operations.
public final class WebHDFSStandIn: Sendable {
    public enum Side: String, Sendable { case namenode, datanode }

    public struct Request: Sendable, Equatable {
        public let side: Side
        public let method: String
        public let op: String
        public let path: String
        public let user: String?
    }

    struct Fault: Sendable {
        let op: String
        let side: Side
        let status: Int
        let exception: String
        var times: Int
        /// Matching requests to let pass first.
        var skip: Int
    }

    struct State: Sendable {
        var requests: [Request] = []
        var violations: [String] = []
        var faults: [Fault] = []
    }

    /// The files, as HDFS would hold them: `<directory>/<hdfs path>`.
    public let directory: URL
    public let namenodePort: Int
    public let datanodePort: Int
    public var url: String { "http://127.0.0.1:\(namenodePort)" }
    private let box: Box
    private let servers: [Task<Void, any Error>]

    /// - Parameter user: when given, a request without `user.name` of that user is refused (401), as a cluster
    ///   that does not take anonymous users.
    public init(directory: URL, user: String? = nil) async throws {
        self.directory = directory
        let shared = Box()
        var logger = Logger(label: "webhdfs-standin")
        logger.logLevel = .critical
        let datanode = Router()
        datanode.on("/webhdfs/v1/**", method: .put) { request, _ in try await Self.datanodeWrite(request, directory: directory, box: shared, user: user) }
        datanode.on("/webhdfs/v1/**", method: .get) { request, _ in try await Self.datanodeRead(request, directory: directory, box: shared, user: user) }
        let (dataPort, dataServer) = try await startStandInServer(datanode, name: "WebHDFS datanode", logger: logger)
        let namenode = Router()
        for method in [HTTPRequest.Method.put, .get, .delete, .post] {
            namenode.on("/webhdfs/v1/**", method: method) { request, _ in
                try await Self.namenode(request, directory: directory, box: shared, user: user, datanode: dataPort)
            }
        }
        let (namePort, nameServer) = try await startStandInServer(namenode, name: "WebHDFS namenode", logger: logger)
        (namenodePort, datanodePort, servers, box) = (namePort, dataPort, [nameServer, dataServer], shared)
    }

    deinit { for server in servers { server.cancel() } }

    public var requests: [Request] { box.state.withLock { $0.requests } }
    public var violations: [String] { box.state.withLock { $0.violations } }

    /// After `after` requests of `op` on `side` pass, the next `times` fail with `status` and `exception` (a
    /// RemoteException); status 0 answers `{"boolean": false}`, HDFS's refusal of a RENAME, MKDIRS or DELETE.
    public func fail(_ op: String, on side: Side = .namenode, status: Int = 500, exception: String = "IOException", times: Int = 1, after: Int = 0) {
        box.state.withLock { $0.faults.append(Fault(op: op, side: side, status: status, exception: exception, times: times, skip: after)) }
    }

    private final class Box: Sendable {
        let state = Mutex(State())

        /// Records a request; the fault it meets, if any.
        func record(_ request: Request) -> Fault? {
            state.withLock { state in
                state.requests.append(request)
                guard let index = state.faults.firstIndex(where: { $0.op == request.op && $0.side == request.side && $0.times > 0 }) else { return nil }
                if state.faults[index].skip > 0 {
                    state.faults[index].skip -= 1
                    return nil
                }
                state.faults[index].times -= 1
                return state.faults[index]
            }
        }

        func violation(_ text: String) { state.withLock { $0.violations.append(text) } }
    }

    // MARK: - The namenode

    private static func namenode(_ request: Hummingbird.Request, directory: URL, box: Box, user: String?, datanode: Int) async throws -> Response {
        let query = request.uri.queryParameters
        let op = (query.get("op") ?? "").uppercased()
        let path = hdfsPath(request)
        if let fault = box.record(Request(side: .namenode, method: request.method.rawValue, op: op, path: path, user: query.get("user.name"))) {
            return fault.status == 0 ? json(["boolean": false]) : remote(fault.status, fault.exception, "injected failure of \(op) on \(path)")
        }
        if let user, query.get("user.name") != user {
            return remote(401, "SecurityException", "Failed to obtain user group information: user.name is required")
        }
        let local = directory.appendingPathComponent(String(path.dropFirst()))
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: local.path, isDirectory: &isDirectory)
        switch (request.method, op) {
        case (.put, "MKDIRS"):
            if exists, !isDirectory.boolValue { return remote(403, "FileAlreadyExistsException", "Parent path is not a directory: \(path)") }
            try manager.createDirectory(at: local, withIntermediateDirectories: true)
            return json(["boolean": true])
        case (.put, "CREATE"):
            if try await request.body.collect(upTo: 1 << 20).readableBytes > 0 {
                box.violation("CREATE \(path): data sent to the namenode (WebHDFS takes it at the datanode, after the redirect)")
            }
            if exists, isDirectory.boolValue { return remote(403, "FileAlreadyExistsException", "\(path) is a directory") }
            if exists, query.get("overwrite") != "true" { return remote(403, "FileAlreadyExistsException", "\(path) for client 127.0.0.1 already exists") }
            let location = "http://127.0.0.1:\(datanode)/webhdfs/v1\(request.uri.path.dropFirst("/webhdfs/v1".count))?op=CREATE&namenoderpcaddress=standin:8020&overwrite=\(query.get("overwrite") ?? "false")\(query.get("user.name").map { "&user.name=\($0)" } ?? "")"
            return Response(status: .temporaryRedirect, headers: [.location: location, .contentLength: "0"])
        case (.get, "OPEN"):
            guard exists, !isDirectory.boolValue else { return notFound(path) }
            let location = "http://127.0.0.1:\(datanode)/webhdfs/v1\(request.uri.path.dropFirst("/webhdfs/v1".count))?op=OPEN&namenoderpcaddress=standin:8020&offset=0\(query.get("user.name").map { "&user.name=\($0)" } ?? "")"
            return Response(status: .temporaryRedirect, headers: [.location: location, .contentLength: "0"])
        case (.get, "GETFILESTATUS"):
            guard exists else { return notFound(path) }
            return json(["FileStatus": status(local, isDirectory: isDirectory.boolValue, suffix: "")])
        case (.get, "LISTSTATUS"):
            guard exists else { return notFound(path) }
            guard isDirectory.boolValue else { return json(["FileStatuses": ["FileStatus": [status(local, isDirectory: false, suffix: "")]]]) }
            let names = try manager.contentsOfDirectory(atPath: local.path).sorted()
            let statuses = names.map { name -> [String: Any] in
                var directory: ObjCBool = false
                _ = manager.fileExists(atPath: local.appendingPathComponent(name).path, isDirectory: &directory)
                return status(local.appendingPathComponent(name), isDirectory: directory.boolValue, suffix: name)
            }
            return json(["FileStatuses": ["FileStatus": statuses]])
        case (.put, "RENAME"):
            guard let destination = query.get("destination").flatMap({ $0.removingPercentEncoding }), destination.hasPrefix("/") else {
                return remote(400, "IllegalArgumentException", "Invalid value for webhdfs parameter \"destination\"")
            }
            let target = directory.appendingPathComponent(String(destination.dropFirst()))
            var parentIsDirectory: ObjCBool = false
            guard exists, !manager.fileExists(atPath: target.path),
                manager.fileExists(atPath: target.deletingLastPathComponent().path, isDirectory: &parentIsDirectory), parentIsDirectory.boolValue
            else { return json(["boolean": false]) }
            try manager.moveItem(at: local, to: target)
            return json(["boolean": true])
        case (.delete, "DELETE"):
            guard exists else { return json(["boolean": false]) }
            if isDirectory.boolValue, query.get("recursive") != "true", !(try manager.contentsOfDirectory(atPath: local.path)).isEmpty {
                return remote(403, "PathIsNotEmptyDirectoryException", "\(path) is non empty': Directory is not empty")
            }
            try manager.removeItem(at: local)
            return json(["boolean": true])
        default:
            return remote(400, "IllegalArgumentException", "Invalid value for webhdfs parameter \"op\": No enum constant \(op) for \(request.method.rawValue)")
        }
    }

    // MARK: - The datanode

    private static func datanodeWrite(_ request: Hummingbird.Request, directory: URL, box: Box, user: String?) async throws -> Response {
        let query = request.uri.queryParameters
        let path = hdfsPath(request)
        if let fault = box.record(Request(side: .datanode, method: "PUT", op: "CREATE", path: path, user: query.get("user.name"))) {
            // As a datanode that fails mid-write: the bytes are read, nothing is kept.
            for try await _ in request.body {}
            return remote(fault.status, fault.exception, "injected failure of CREATE on \(path)")
        }
        guard query.get("op") == "CREATE", query.get("namenoderpcaddress") != nil else {
            box.violation("datanode PUT \(path): not a CREATE the namenode redirected")
            return remote(400, "IllegalArgumentException", "namenoderpcaddress is not specified")
        }
        let local = directory.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: local.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = local.deletingLastPathComponent().appendingPathComponent(".\(local.lastPathComponent)._COPYING_")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = FileHandle(forWritingAtPath: partial.path) else {
            return remote(500, "IOException", "cannot write \(path)")
        }
        do {
            for try await buffer in request.body { try handle.write(contentsOf: Data(buffer.readableBytesView)) }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        _ = try? FileManager.default.removeItem(at: local)
        try FileManager.default.moveItem(at: partial, to: local)
        return Response(status: .created, headers: [.location: "hdfs://standin:8020\(path)", .contentLength: "0"])
    }

    private static func datanodeRead(_ request: Hummingbird.Request, directory: URL, box: Box, user: String?) async throws -> Response {
        let path = hdfsPath(request)
        if let fault = box.record(Request(side: .datanode, method: "GET", op: "OPEN", path: path, user: request.uri.queryParameters.get("user.name"))) {
            return remote(fault.status, fault.exception, "injected failure of OPEN on \(path)")
        }
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(String(path.dropFirst())).path) else { return notFound(path) }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: - Answers as Hadoop writes them

    private static func hdfsPath(_ request: Hummingbird.Request) -> String {
        let raw = String(request.uri.path.dropFirst("/webhdfs/v1".count))
        return raw.removingPercentEncoding ?? raw
    }

    private static func status(_ url: URL, isDirectory: Bool, suffix: String) -> [String: Any] {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return [
            "pathSuffix": suffix, "type": isDirectory ? "DIRECTORY" : "FILE", "length": isDirectory ? 0 : size, "owner": "hdfs", "group": "supergroup",
            "permission": isDirectory ? "755" : "644", "replication": isDirectory ? 0 : 3, "blockSize": 134_217_728, "accessTime": 0, "modificationTime": 0,
        ]
    }

    private static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func notFound(_ path: String) -> Response { remote(404, "FileNotFoundException", "File does not exist: \(path)") }

    private static func remote(_ status: Int, _ exception: String, _ message: String) -> Response {
        let object: [String: Any] = ["RemoteException": ["exception": exception, "javaClassName": "org.apache.hadoop.\(exception)", "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
