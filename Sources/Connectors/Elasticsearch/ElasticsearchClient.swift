import Foundation

/// Where Elasticsearch is and how to sign in to it.
public struct ElasticsearchConfiguration: Sendable, Equatable {
    /// The base address, e.g. `https://es.example.com:9200` (no trailing slash needed).
    public var url: String
    public var username: String?
    public var password: String?
    /// A PEM file of certificate authorities to trust besides the system's.
    public var caFile: String?
    public var timeout: Duration

    public init(url: String, username: String? = nil, password: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(30)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }
}

/// One document to index (created or replaced whole) under its own id, so that sending it twice changes nothing.
public struct BulkDocument: Sendable, Equatable {
    public let index: String
    public let id: String
    /// One JSON object, UTF-8, on one line.
    public let source: [UInt8]

    public init(index: String, id: String, source: [UInt8]) {
        self.index = index
        self.id = id
        self.source = source
    }
}

/// What Elasticsearch said of one document of a `_bulk` request.
public enum BulkItemOutcome: Sendable, Equatable {
    case indexed
    /// 429 or 5xx: worth sending again later.
    case retry(status: Int, reason: String)
    /// Any other refusal (a 400 mapping error…): sending it again would fail the same way.
    case rejected(status: Int, reason: String)
}

/// A request Elasticsearch did not answer item by item: unreachable, or refused as a whole.
public struct ElasticsearchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// Whether trying again later may help (unreachable, 429, 5xx), as against a wrong password or address.
    public let retryable: Bool
}

/// The few calls the figures need from Elasticsearch: index templates and `_bulk`, over libcurl.
public final class ElasticsearchClient: Sendable {
    public let configuration: ElasticsearchConfiguration
    private let http: CurlHTTPClient

    public init(configuration: ElasticsearchConfiguration, name: String = "elasticsearch") {
        self.configuration = configuration
        http = CurlHTTPClient(name: name)
    }

    /// Creates or replaces the index template `name` (`PUT _index_template/name`).
    public func putIndexTemplate(_ name: String, body: [UInt8]) async throws(ElasticsearchError) {
        let response = try await send("PUT", "/_index_template/\(name)", body: body, contentType: "application/json")
        guard (200..<300).contains(response.status) else { throw Self.refusal(response, what: "index template \(name)") }
    }

    /// Indexes `documents` in one `_bulk` request.
    /// - Returns: each document's outcome, in order.
    /// - Throws: `ElasticsearchError` when the request as a whole got no item-by-item answer.
    public func bulk(_ documents: [BulkDocument]) async throws(ElasticsearchError) -> [BulkItemOutcome] {
        guard !documents.isEmpty else { return [] }
        let response = try await send("POST", "/_bulk", body: Self.ndjson(documents), contentType: "application/x-ndjson")
        guard response.status == 200 else { throw Self.refusal(response, what: "_bulk") }
        return try Self.outcomes(response.body, count: documents.count)
    }

    /// The `_bulk` body: an `index` action line and the document's line for each, each line ending with a newline.
    static func ndjson(_ documents: [BulkDocument]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(documents.reduce(0) { $0 + $1.source.count + $1.id.utf8.count + $1.index.utf8.count + 40 })
        for document in documents {
            body += Array(#"{"index":{"_index":"#.utf8) + JSONText.quoted(document.index) + Array(#","_id":"#.utf8)
                + JSONText.quoted(document.id) + Array("}}\n".utf8)
            body += document.source
            body.append(0x0A)
        }
        return body
    }

    /// Reads a `_bulk` answer: `items` in request order, each under its action's name with its `status` and `error`.
    static func outcomes(_ body: [UInt8], count: Int) throws(ElasticsearchError) -> [BulkItemOutcome] {
        struct Answer: Decodable {
            struct Failure: Decodable {
                let type: String?
                let reason: String?
            }
            struct Item: Decodable {
                let status: Int
                let error: Failure?
            }
            let items: [[String: Item]]
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)), answer.items.count == count else {
            throw ElasticsearchError(
                description: "_bulk: an answer without one item per document: \(String(decoding: body.prefix(200), as: UTF8.self))", retryable: true)
        }
        return answer.items.map { item in
            guard let result = item.values.first else { return .retry(status: 0, reason: "an empty item") }
            let reason = [result.error?.type, result.error?.reason].compactMap { $0 }.joined(separator: ": ")
            switch result.status {
            case 200..<300: return .indexed
            case 429, 500...: return .retry(status: result.status, reason: reason)
            default: return .rejected(status: result.status, reason: reason.isEmpty ? "status \(result.status)" : reason)
            }
        }
    }

    private func send(_ method: String, _ path: String, body: [UInt8], contentType: String) async throws(ElasticsearchError) -> HTTPResponse {
        let request = HTTPRequest(
            method: method, url: configuration.url + path, headers: [("Content-Type", contentType), ("Accept", "application/json")], body: body,
            timeout: configuration.timeout, caFile: configuration.caFile,
            credentials: configuration.username.map { ($0, configuration.password ?? "") })
        do {
            return try await http.send(request)
        } catch let failure as HTTPFailure {
            throw ElasticsearchError(description: "Elasticsearch at \(configuration.url) is unreachable: \(failure.message)", retryable: true)
        } catch {
            throw ElasticsearchError(description: "Elasticsearch at \(configuration.url): \(error)", retryable: true)
        }
    }

    private static func refusal(_ response: HTTPResponse, what: String) -> ElasticsearchError {
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        let retryable = response.status == 429 || response.status == 408 || response.status >= 500
        let hint = response.status == 401 || response.status == 403 ? " (check elasticsearch.username and password)" : ""
        return ElasticsearchError(description: "\(what): HTTP \(response.status)\(hint): \(text)", retryable: retryable)
    }
}

/// JSON text of our own values, written without a whole encoder (the documents are built per event).
public enum JSONText {
    /// `text` as a JSON string, quotes included.
    public static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return out
    }
}
