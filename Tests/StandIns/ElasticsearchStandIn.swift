import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// An HTTP server that takes index templates and `_bulk` requests and checks them as Elasticsearch 8 does, for the
/// writer's tests (no Elasticsearch can run here): NDJSON ending with a newline, an action line then a document
/// line, `index` actions with an `_index` and an `_id`, valid index names, documents that fit the strict mapping of
/// the template matching their index. It answers item by item like Elasticsearch (`errors`, `items` with `status`
/// and `error`), can refuse whole requests (429, 503) or items (429 on a first delivery, 400 for given ids), and
/// keeps the documents it indexed, the last version of each, and anything a real Elasticsearch would have refused
/// or guessed at (`violations`).
public final class ElasticsearchStandIn: Sendable {
    public struct Faults: Sendable {
        /// Whole requests answered 503 before the first one is taken.
        public var unavailableRequests = 0
        /// Ids answered 429 (`es_rejected_execution_exception`) the first time they come.
        public var throttledOnce: @Sendable (String) -> Bool = { _ in false }
        /// Ids answered 400 (`mapper_parsing_exception`) every time.
        public var refused: Set<String> = []
        public init() {}
    }

    fileprivate struct State {
        /// As received: index templates by name, documents by index and id.
        var templates: [String: Data] = [:]
        var documents: [String: [String: Data]] = [:]
        var deliveries: [String: Int] = [:]
        var violations: [String] = []
        /// Ids already answered 429 once.
        var throttled: Set<String> = []
        var bulkRequests = 0
        var faults: Faults
        /// Basic credentials required when set (`user:password`).
        var credentials: String?
    }
    private let state: Ledger
    private let server: Task<Void, any Error>
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts on `port` (0: a free one) and returns once it listens.
    public init(port: Int = 0, faults: Faults = Faults(), credentials: String? = nil) async throws {
        let state = Ledger(State(faults: faults, credentials: credentials))
        self.state = state
        let router = Router()
        router.put("/_index_template/:name") { request, context in
            try await Self.template(request, context, state)
        }
        router.post("/_bulk") { request, _ in
            try await Self.bulk(request, state)
        }
        (self.port, server) = try await startStandInServer(router, name: "Elasticsearch stand-in", port: port, logger: Self.logger)
    }

    deinit { server.cancel() }

    private static let logger: Logger = {
        var logger = Logger(label: "elasticsearch-stand-in")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    public func stop() async {
        server.cancel()
        _ = await server.result
    }

    /// The indexed documents of `index`, by id, as JSON objects.
    public func documents(in index: String) -> [String: [String: Any]] {
        state.withLock { $0.documents[index] ?? [:] }.compactMapValues { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    public var indices: [String] { state.withLock { Array($0.documents.keys).sorted() } }
    public var templateNames: [String] { state.withLock { Array($0.templates.keys).sorted() } }
    public var violations: [String] { state.withLock { $0.violations } }
    public var bulkRequests: Int { state.withLock { $0.bulkRequests } }
    /// Ids answered 429 once.
    public var throttled: Set<String> { state.withLock { $0.throttled } }
    /// How many times each id was indexed (a resend after a restart counts again).
    public var deliveries: [String: Int] { state.withLock { $0.deliveries } }

    private static func authorized(_ request: Request, _ state: Ledger) -> Bool {
        guard let credentials = state.withLock({ $0.credentials }) else { return true }
        return request.headers[.authorization] == "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    private static func template(_ request: Request, _ context: BasicRequestContext, _ state: Ledger) async throws -> Response {
        guard authorized(request, state) else { return error(401, "security_exception", "missing authentication credentials") }
        let name = context.parameters.get("name") ?? ""
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let patterns = object["index_patterns"] as? [String], !patterns.isEmpty,
            let template = object["template"] as? [String: Any], let mappings = template["mappings"] as? [String: Any],
            mappings["properties"] is [String: Any]
        else {
            return error(400, "x_content_parse_exception", "an index template needs index_patterns and template.mappings.properties")
        }
        let stored = Data(body.readableBytesView)
        state.withLock { $0.templates[name] = stored }
        return json(200, #"{"acknowledged":true}"#)
    }

    private static func bulk(_ request: Request, _ state: Ledger) async throws -> Response {
        guard authorized(request, state) else { return error(401, "security_exception", "missing authentication credentials") }
        let unavailable = state.withLock { state -> Bool in
            state.bulkRequests += 1
            guard state.faults.unavailableRequests > 0 else { return false }
            state.faults.unavailableRequests -= 1
            return true
        }
        if unavailable { return error(503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized]") }
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.hasPrefix("application/x-ndjson") || contentType.hasPrefix("application/json") else {
            return error(406, "media_type_header_exception", "Content-Type header [\(contentType)] is not supported")
        }
        let buffer = try await request.body.collect(upTo: 100 << 20)
        let body = Array(buffer: buffer)
        guard body.last == 0x0A else { return error(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]") }
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard lines.count % 2 == 0 else { return error(400, "illegal_argument_exception", "a bulk action without its document line") }
        var items: [String] = []
        var failed = false
        var index = lines.startIndex
        while index < lines.endIndex {
            let actionLine = lines[index]
            let documentLine = lines[index + 1]
            index += 2
            guard let action = try? JSONSerialization.jsonObject(with: Data(actionLine)) as? [String: Any], action.count == 1,
                let (verb, metaValue) = action.first, let meta = metaValue as? [String: Any]
            else { return error(400, "illegal_argument_exception", "Malformed action/metadata line") }
            guard verb == "index" else { return error(400, "illegal_argument_exception", "the writer sends only index actions, got \(verb)") }
            guard let target = meta["_index"] as? String else {
                return error(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;")
            }
            guard let id = meta["_id"] as? String, !id.isEmpty, id.utf8.count <= 512 else {
                state.withLock { $0.violations.append("\(target): an action without an _id (Elasticsearch would make one up)") }
                return error(400, "illegal_argument_exception", "the writer's documents need their own _id")
            }
            if let problem = indexNameProblem(target) { return error(400, "invalid_index_name_exception", "Invalid index name [\(target)], \(problem)") }
            let outcome = state.withLock { state -> (Int, String?) in
                if state.faults.refused.contains(id) { return (400, #"{"type":"mapper_parsing_exception","reason":"failed to parse (refused by the test)"}"#) }
                if state.deliveries[id] == nil, state.faults.throttledOnce(id), state.throttled.insert(id).inserted {
                    return (429, #"{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}"#)
                }
                return (0, nil)
            }
            var status = outcome.0
            var failure = outcome.1
            if failure == nil {
                guard let document = try? JSONSerialization.jsonObject(with: Data(documentLine)) as? [String: Any] else {
                    return error(400, "x_content_parse_exception", "the document of \(target)/\(id) is not a JSON object")
                }
                if let problem = mappingProblem(document, index: target, state) {
                    status = 400
                    failure = #"{"type":"strict_dynamic_mapping_exception","reason":\#(quoted(problem))}"#
                } else {
                    let stored = Data(documentLine)
                    let created = state.withLock { state -> Bool in
                        let created = state.documents[target]?[id] == nil
                        state.documents[target, default: [:]][id] = stored
                        state.deliveries[id, default: 0] += 1
                        return created
                    }
                    status = created ? 201 : 200
                }
            }
            if let failure {
                failed = true
                items.append(#"{"index":{"_index":\#(quoted(target)),"_id":\#(quoted(id)),"status":\#(status),"error":\#(failure)}}"#)
            } else {
                items.append(#"{"index":{"_index":\#(quoted(target)),"_id":\#(quoted(id)),"_version":1,"result":"\#(status == 201 ? "created" : "updated")","status":\#(status)}}"#)
            }
        }
        return json(200, #"{"took":1,"errors":\#(failed),"items":[\#(items.joined(separator: ","))]}"#)
    }

    /// Why Elasticsearch would refuse `name` as an index name, or nil.
    static func indexNameProblem(_ name: String) -> String? {
        if name.isEmpty || name.utf8.count > 255 { return "must be 1 to 255 bytes long" }
        if name != name.lowercased() { return "must be lowercase" }
        if let first = name.first, "_-+".contains(first) { return "must not start with '_', '-', or '+'" }
        if name.contains(where: { "\\/*?\"<>| ,#:".contains($0) }) { return "must not contain \\, /, *, ?, \", <, >, |, space, comma, # or :" }
        return nil
    }

    /// Why the strict mapping of the template matching `index` refuses `document`, or nil. An index no template
    /// matches is recorded as a violation (Elasticsearch would guess its mapping).
    private static func mappingProblem(_ document: [String: Any], index: String, _ state: Ledger) -> String? {
        let templates = state.withLock { $0.templates }.compactMapValues { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        let matching = templates.filter { _, template in
            (template["index_patterns"] as? [String] ?? []).contains { pattern in
                pattern.hasSuffix("*") ? index.hasPrefix(String(pattern.dropLast())) : index == pattern
            }
        }
        guard let template = matching.first?.value,
            let properties = ((template["template"] as? [String: Any])?["mappings"] as? [String: Any])?["properties"] as? [String: Any]
        else {
            state.withLock { $0.violations.append("\(index): a document before any template matching its index") }
            return nil
        }
        for (field, value) in document {
            guard let mapping = properties[field] as? [String: Any], let type = mapping["type"] as? String else {
                return "mapping set to strict, dynamic introduction of [\(field)] within [_doc] is not allowed"
            }
            if value is NSNull { continue }
            let fits: Bool
            switch type {
            case "keyword": fits = value is String
            case "integer", "long": fits = (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
            case "double", "scaled_float": fits = value is NSNumber
            case "date": fits = (value as? String).map { $0.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil } ?? false
            default: fits = true
            }
            if !fits { return "failed to parse field [\(field)] of type [\(type)]: \(value)" }
        }
        return nil
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8), as: UTF8.self).dropFirst().dropLast().description
    }

    private static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func error(_ status: Int, _ type: String, _ reason: String) -> Response {
        json(status, #"{"error":{"root_cause":[{"type":"\#(type)","reason":\#(quoted(reason))}],"type":"\#(type)","reason":\#(quoted(reason))},"status":\#(status)}"#)
    }
}

/// The stand-in's state, shared with its route handlers.
private final class Ledger: Sendable {
    private let mutex: Mutex<ElasticsearchStandIn.State>
    init(_ state: ElasticsearchStandIn.State) { mutex = Mutex(state) }
    func withLock<Result: Sendable>(_ body: (inout ElasticsearchStandIn.State) -> Result) -> Result { mutex.withLock { body(&$0) } }
}

public struct StandInError: Error, CustomStringConvertible {
    public let description: String
}
