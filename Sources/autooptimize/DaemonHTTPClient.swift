import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The CLI's HTTP(S) client to the daemon: one request per connection, on SwiftNIO and
/// NIOSSL, which the daemon's server links already.
///
/// Why not AsyncHTTPClient: it brings HTTP/2, SOCKS and compression code into the one
/// executable that is also the daemon, and the daemon's idle memory grew by 4 MB with it
/// (measured, budget 40 MB), for a client that sends one request and exits.
///
/// Over HTTPS it trusts the system's roots plus `extraRoot` (`--cacert`, for a private CA);
/// on the daemon's own machine it trusts exactly the certificate the daemon announced in
/// `daemon.json`, whatever host name that certificate was made for.
struct DaemonHTTPClient {
    struct Response {
        let status: Int
        let body: Data
    }

    enum Trust {
        /// The system's roots, and a private CA's PEM file when given.
        case system(extraRoot: String?)
        /// Only this certificate (the local daemon's own), host name unchecked.
        case pinned(certificate: String)
    }

    let baseURL: URL
    let trust: Trust

    /// Sends one request and reads the whole answer (at most 64 MiB), within `timeout`.
    /// - Throws: `DaemonError` naming the address and what a person can do about it.
    /// - Parameter sink: when given, receives the answer's body as it arrives (a followed log) instead
    ///   of it being collected; the `Response` then has an empty body.
    func send(
        _ method: HTTPMethod, _ path: String, headers: [String: String], body: Data, timeout: Duration,
        sink: (@Sendable (ByteBuffer) -> Void)? = nil
    ) async throws(DaemonError) -> Response {
        guard let scheme = baseURL.scheme, ["http", "https"].contains(scheme), let host = baseURL.host else {
            throw DaemonError("\(baseURL.absoluteString) is not an http:// or https:// address")
        }
        let port = baseURL.port ?? (scheme == "https" ? 443 : 80)
        let tls = scheme == "https" ? try tlsConfiguration() : nil
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: baseURL.path.trimmingSuffix("/") + path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: "\(body.count)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        do {
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await Self.exchange(host: host, port: port, tls: tls, head: request, body: body, sink: sink) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw DaemonError("no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let response = try await group.next() else { throw DaemonError("no answer") }
                return response
            }
        } catch {
            throw DaemonError("cannot reach the daemon at \(baseURL.absoluteString): \(Self.explain(error))")
        }
    }

    private static func exchange(
        host: String, port: Int, tls: TLSConfiguration?, head: HTTPRequestHead, body: Data, sink: (@Sendable (ByteBuffer) -> Void)?
    ) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI takes names only; an address is checked against the certificate's IP entries.
                        let name = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: try NIOSSLContext(configuration: tls), serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status = 0
            var received = Data()
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let bytes) where status == 200 && sink != nil:
                    sink?(bytes)
                case .body(let bytes):
                    guard received.count + bytes.readableBytes <= 64 << 20 else { throw DaemonError("the answer is larger than 64 MiB") }
                    received.append(contentsOf: bytes.readableBytesView)
                case .end: return Response(status: status, body: received)
                }
            }
            throw ChannelError.eof
        }
    }

    /// What a person can do about a failed exchange.
    private static func explain(_ error: any Error) -> String {
        switch error {
        case let error as DaemonError:
            return error.description
        case NIOSSLError.handshakeFailed:
            return "the TLS handshake failed (\(error)); is its certificate trusted? For a private CA give --cacert FILE,"
                + " and use a host name the certificate was made for"
        case ChannelError.eof, NIOSSLError.uncleanShutdown:
            return "it closed the connection without answering (does it serve https:// rather than http://?)"
        case is NIOConnectionError, ChannelError.connectTimeout:
            return "\(error) (is it running?)"
        default:
            return "\(error)"
        }
    }

    private func tlsConfiguration() throws(DaemonError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch trust {
        case .system(let extraRoot):
            if let extraRoot {
                tls.additionalTrustRoots = [.file(extraRoot)]
            }
        case .pinned(let certificate):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
            } catch {
                throw DaemonError("cannot read the daemon's certificate \(certificate): \(error)")
            }
            tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
