import Foundation

/// A minimal blocking HTTP/1.1 client for the CLI's calls to the daemon over plain HTTP.
///
/// Why not `URLSession`: on Linux it lives in FoundationNetworking, which drags libcurl,
/// GnuTLS, Kerberos and LDAP into every start of the daemon (6 MB resident) for the
/// sake of one CLI command. HTTPS to a remote daemon arrives with the TLS issue.
struct LocalHTTPClient {
    struct Response {
        let status: Int
        let body: Data
    }

    let baseURL: URL

    /// Sends one request and reads the whole response.
    /// - Throws: `DaemonError` naming the address when the daemon cannot be reached.
    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> Response {
        guard baseURL.scheme == "http", let host = baseURL.host else {
            throw DaemonError("only http:// daemon addresses are supported for now, not \(baseURL.absoluteString)")
        }
        let port = baseURL.port ?? 80
        let socket = try connect(host: host, port: port)
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try writeAll(socket, Data((head + "\r\n").utf8) + body)
        return try parse(readAll(socket))
    }

    private func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else {
            throw DaemonError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(results) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if socket >= 0, Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return socket }
            if socket >= 0 { close(socket) }
            entry = address.pointee.ai_next
        }
        throw DaemonError("cannot reach the daemon at \(baseURL.absoluteString): \(String(cString: strerror(errno))) (is it running?)")
    }

    private func writeAll(_ socket: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = Glibc.send(socket, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { throw DaemonError("the connection to the daemon broke while sending") }
                offset += sent
            }
        }
    }

    private func readAll(_ socket: Int32) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw DaemonError("the connection to the daemon broke while reading") }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    private func parse(_ data: Data) throws -> Response {
        guard let split = data.firstRange(of: Data("\r\n\r\n".utf8)),
            let head = String(data: data[..<split.lowerBound], encoding: .utf8)
        else { throw DaemonError("the daemon's answer is not HTTP") }
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw DaemonError("the daemon's answer is not HTTP") }
        let body = Data(data[split.upperBound...])
        let chunked = lines.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        return Response(status: status, body: chunked ? Self.dechunk(body) : body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.firstRange(of: Data("\r\n".utf8)),
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0], radix: 16),
            size > 0
        {
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            output.append(rest[start..<rest.index(start, offsetBy: size)])
            rest = rest[rest.index(start, offsetBy: min(size + 2, rest.distance(from: start, to: rest.endIndex)))...]
        }
        return output
    }
}
