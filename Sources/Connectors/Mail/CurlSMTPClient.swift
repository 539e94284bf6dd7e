import CCurl
import Foundation

/// Where and how mail is sent: an `smtp://host:port` server (STARTTLS when it offers it, or always with
/// `requireTLS`) or `smtps://host:port` (TLS from the first byte), with an optional login.
public struct SMTPServer: Sendable, Equatable {
    public var url: String
    public var requireTLS: Bool
    public var username: String?
    public var password: String?
    /// A PEM file of certificate authorities to trust besides the system's.
    public var caFile: String?
    public var timeout: Duration

    public init(url: String, requireTLS: Bool = false, username: String? = nil, password: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(30)) {
        self.url = url
        self.requireTLS = requireTLS
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }
}

/// Mail that did not go, with whether trying again can help: an unreachable server, a timeout, a dropped connection
/// or a 4xx reply can pass; a refused login, a certificate that does not verify, a server without the TLS it was
/// asked for, or a 5xx reply (an unknown recipient) will not.
public struct SMTPFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The server's last reply code (535, 550, 451…), 0 when it gave none.
    public let reply: Int
    public let isPermanent: Bool
    public var description: String { message }
}

/// SMTP over libcurl (`CCurl`, loaded at the first message): one connection per message, on the client's own thread
/// (libcurl's easy interface blocks), one message at a time.
public final class CurlSMTPClient: Sendable {
    private let worker: BlockingWorker

    public init(name: String = "smtp") {
        worker = BlockingWorker(name: "curl-\(name)")
    }

    deinit { worker.stop() }

    public func send(_ message: MailMessage, via server: SMTPServer) async throws(SMTPFailure) {
        do {
            try await worker.run { try Self.perform(message, server) }
        } catch let failure as SMTPFailure {
            throw failure
        } catch {
            throw SMTPFailure(message: "\(error)", reply: 0, isPermanent: false)
        }
    }

    /// The message's bytes and how far libcurl has read them, reached through the read callback's opaque pointer.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static func perform(_ message: MailMessage, _ server: SMTPServer) throws(SMTPFailure) {
        if let failure = ao_curl_load() { throw SMTPFailure(message: String(cString: failure), reply: 0, isPermanent: false) }
        guard let curl = ao_curl_easy_init() else { throw SMTPFailure(message: "libcurl could not start", reply: 0, isPermanent: false) }
        defer { ao_curl_easy_cleanup(curl) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in message.to { recipients = ao_curl_slist_append(recipients, "<\(address)>") }
        defer { ao_curl_slist_free_all(recipients) }
        let upload = Upload(message.wireBytes)
        let opaque = Unmanaged.passUnretained(upload).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let milliseconds = Int(server.timeout.milliseconds)
        let implicitTLS = server.url.hasPrefix("smtps://")
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            _ = ao_curl_set_string(curl, CURLOPT_URL, server.url)
            _ = ao_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(message.from)>")
            _ = ao_curl_set_list(curl, CURLOPT_MAIL_RCPT, recipients)
            _ = ao_curl_set_long(curl, CURLOPT_USE_SSL, Int(server.requireTLS || implicitTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
            _ = ao_curl_set_long(curl, CURLOPT_TIMEOUT_MS, milliseconds)
            _ = ao_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
            _ = ao_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
            _ = ao_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errors.baseAddress)
            if let caFile = server.caFile { _ = ao_curl_set_string(curl, CURLOPT_CAINFO, caFile) }
            if let username = server.username {
                _ = ao_curl_set_string(curl, CURLOPT_USERNAME, username)
                _ = ao_curl_set_string(curl, CURLOPT_PASSWORD, server.password ?? "")
            }
            _ = ao_curl_set_long(curl, CURLOPT_UPLOAD, 1)
            _ = ao_curl_set_callback(curl, CURLOPT_READFUNCTION) { data, size, count, opaque in
                let upload = Unmanaged<Upload>.fromOpaque(opaque!).takeUnretainedValue()
                let length = min(size * count, upload.bytes.count - upload.offset)
                guard length > 0, let data else { return 0 }
                upload.bytes.withUnsafeBytes { bytes in
                    UnsafeMutableRawPointer(data).copyMemory(from: bytes.baseAddress! + upload.offset, byteCount: length)
                }
                upload.offset += length
                return length
            }
            _ = ao_curl_set_pointer(curl, CURLOPT_READDATA, opaque)
            return ao_curl_easy_perform(curl)
        }
        guard code != CURLE_OK else { return }
        var reply = 0
        _ = ao_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &reply)
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let said = detail.isEmpty ? String(cString: ao_curl_easy_strerror(code)) : detail
        throw classify(code, reply: reply, said: said, url: server.url)
    }

    /// What went wrong in words an operator can act on, and whether another try can help.
    static func classify(_ code: CURLcode, reply: Int, said: String, url: String) -> SMTPFailure {
        switch code {
        case CURLE_LOGIN_DENIED:
            return SMTPFailure(message: "\(url): the server refused the user name or password (\(said))", reply: reply, isPermanent: true)
        case CURLE_PEER_FAILED_VERIFICATION:
            return SMTPFailure(message: "\(url): the server's certificate does not verify (\(said))", reply: reply, isPermanent: true)
        case CURLE_USE_SSL_FAILED:
            return SMTPFailure(message: "\(url): the server does not offer STARTTLS, and TLS is required (\(said))", reply: reply, isPermanent: true)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return SMTPFailure(message: "\(url): \(said)", reply: reply, isPermanent: true)
        default:
            if (500..<600).contains(reply) {
                return SMTPFailure(message: "\(url): the server refused the message: \(reply) (\(said))", reply: reply, isPermanent: true)
            }
            let what = (400..<500).contains(reply) ? "the server deferred the message: \(reply) (\(said))" : said
            return SMTPFailure(message: "\(url): \(what)", reply: reply, isPermanent: false)
        }
    }
}
