import CCurl
import Foundation
import Synchronization

/// An HTTP request as our clients (Elasticsearch, webhooks, WebHDFS) make it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeout: Duration
    /// A PEM file of certificate authorities to trust besides the system's.
    public var caFile: String?
    /// HTTP basic authentication.
    public var credentials: (user: String, password: String)?
    /// Whether to follow redirects (WebHDFS sends its data to a datanode by one).
    public var followRedirects: Bool
    /// The body streamed from this file instead of `body` (uploads of any size, never held in memory).
    public var bodyFile: String?
    /// Where a 2xx answer's body is streamed (the file created or truncated) instead of memory; another answer's body
    /// stays in memory, for its error.
    public var responseFile: String?

    public init(
        method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(30),
        caFile: String? = nil, credentials: (user: String, password: String)? = nil, followRedirects: Bool = false,
        bodyFile: String? = nil, responseFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.caFile = caFile
        self.credentials = credentials
        self.followRedirects = followRedirects
        self.bodyFile = bodyFile
        self.responseFile = responseFile
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Names lower-cased, in the order received.
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? { headers.last { $0.0 == name.lowercased() }?.1 }
}

/// A request that got no HTTP answer: refused, timed out, a certificate that does not verify… with libcurl's words.
public struct HTTPFailure: Error, CustomStringConvertible, Sendable {
    public let url: String
    public let message: String
    /// libcurl's code (28: timed out, 7: could not connect, 60: certificate…).
    public let code: Int
    public var description: String { "\(url): \(message)" }
}

/// HTTP over libcurl, loaded at the first request (`CCurl`). Each request runs on the client's own thread (libcurl's
/// easy interface blocks), one at a time.
public final class CurlHTTPClient: Sendable {
    private let worker: BlockingWorker
    public init(name: String = "http") {
        worker = BlockingWorker(name: "curl-\(name)")
    }

    deinit { worker.stop() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await worker.run { try Self.perform(request) }
    }

    /// The request on the caller's own thread, for code that already runs on a thread of its own (a batch step):
    /// never call it on Swift's cooperative pool.
    public static func sendBlocking(_ request: HTTPRequest) throws -> HTTPResponse {
        try perform(request)
    }

    /// What the callbacks fill and read, reached through their opaque pointer.
    private final class Received {
        var body: [UInt8] = []
        var headers: [(String, String)] = []
        /// The status of the response being received (the last one, after redirects).
        var status = 0
        /// `responseFile` open for writing, `bodyFile` open for reading; -1 when not given.
        var output: Int32 = -1
        var input: Int32 = -1
        var fileError: String?
    }

    private static func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        if let failure = ao_curl_load() { throw HTTPFailure(url: request.url, message: String(cString: failure), code: -1) }
        let received = Received()
        defer {
            if received.output >= 0 { close(received.output) }
            if received.input >= 0 { close(received.input) }
        }
        var uploadSize: Int64 = 0
        if let path = request.bodyFile {
            received.input = open(path, O_RDONLY | O_CLOEXEC)
            guard received.input >= 0 else { throw HTTPFailure(url: request.url, message: "\(path): \(String(cString: strerror(errno)))", code: -1) }
            uploadSize = Int64(lseek(received.input, 0, SEEK_END))
            lseek(received.input, 0, SEEK_SET)
        }
        if let path = request.responseFile {
            received.output = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard received.output >= 0 else { throw HTTPFailure(url: request.url, message: "\(path): \(String(cString: strerror(errno)))", code: -1) }
        }
        guard let curl = ao_curl_easy_init() else { throw HTTPFailure(url: request.url, message: "libcurl could not start a request", code: -1) }
        defer { ao_curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { list = ao_curl_slist_append(list, "\(name): \(value)") }
        // An empty Expect: libcurl would otherwise wait for a 100 Continue before large bodies.
        list = ao_curl_slist_append(list, "Expect:")
        defer { ao_curl_slist_free_all(list) }
        let opaque = Unmanaged.passUnretained(received).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let milliseconds = Int(request.timeout.milliseconds)
        let code: CURLcode = request.body.withUnsafeBytes { body in
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                _ = ao_curl_set_string(curl, CURLOPT_URL, request.url)
                _ = ao_curl_set_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
                _ = ao_curl_set_list(curl, CURLOPT_HTTPHEADER, list)
                _ = ao_curl_set_long(curl, CURLOPT_TIMEOUT_MS, milliseconds)
                _ = ao_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
                _ = ao_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
                _ = ao_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
                _ = ao_curl_set_long(curl, CURLOPT_MAXREDIRS, 5)
                _ = ao_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errors.baseAddress)
                if let caFile = request.caFile { _ = ao_curl_set_string(curl, CURLOPT_CAINFO, caFile) }
                if let credentials = request.credentials {
                    _ = ao_curl_set_string(curl, CURLOPT_USERNAME, credentials.user)
                    _ = ao_curl_set_string(curl, CURLOPT_PASSWORD, credentials.password)
                }
                if received.input >= 0 {
                    _ = ao_curl_set_long(curl, CURLOPT_UPLOAD, 1)
                    _ = ao_curl_set_size(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(uploadSize))
                    _ = ao_curl_set_callback(curl, CURLOPT_READFUNCTION) { data, size, count, opaque in
                        let received = Unmanaged<Received>.fromOpaque(opaque!).takeUnretainedValue()
                        let got = read(received.input, data, size * count)
                        guard got >= 0 else {
                            received.fileError = "reading the body: \(String(cString: strerror(errno)))"
                            return Int(CURL_READFUNC_ABORT)
                        }
                        return got
                    }
                    _ = ao_curl_set_pointer(curl, CURLOPT_READDATA, opaque)
                } else if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
                    // Never a null body: libcurl would then read one from standard input (and wait there).
                    _ = ao_curl_set_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)))
                    _ = ao_curl_set_size(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                }
                _ = ao_curl_set_callback(curl, CURLOPT_WRITEFUNCTION) { data, size, count, opaque in
                    let received = Unmanaged<Received>.fromOpaque(opaque!).takeUnretainedValue()
                    guard let data else { return size * count }
                    if received.output >= 0, (200..<300).contains(received.status) {
                        var offset = 0
                        while offset < size * count {
                            let written = write(received.output, data + offset, size * count - offset)
                            guard written > 0 else {
                                received.fileError = "writing the answer: \(String(cString: strerror(errno)))"
                                return 0  // libcurl stops the transfer with a write error
                            }
                            offset += written
                        }
                    } else {
                        received.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
                    }
                    return size * count
                }
                _ = ao_curl_set_pointer(curl, CURLOPT_WRITEDATA, opaque)
                _ = ao_curl_set_callback(curl, CURLOPT_HEADERFUNCTION) { data, size, count, opaque in
                    let received = Unmanaged<Received>.fromOpaque(opaque!).takeUnretainedValue()
                    guard let data else { return size * count }
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                    if line.hasPrefix("HTTP/") {  // a new response (after a redirect or a 100)
                        received.headers.removeAll()
                        received.status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                    }
                    if let colon = line.firstIndex(of: ":") {
                        received.headers.append((
                            line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
                    }
                    return size * count
                }
                _ = ao_curl_set_pointer(curl, CURLOPT_HEADERDATA, opaque)
                return ao_curl_easy_perform(curl)
            }
        }
        guard code == CURLE_OK else {
            if let fileError = received.fileError { throw HTTPFailure(url: request.url, message: fileError, code: Int(code.rawValue)) }
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw HTTPFailure(url: request.url, message: detail.isEmpty ? String(cString: ao_curl_easy_strerror(code)) : detail, code: Int(code.rawValue))
        }
        var status = 0
        _ = ao_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: received.headers, body: received.body)
    }
}
