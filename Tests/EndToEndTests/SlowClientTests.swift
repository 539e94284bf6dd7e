import Foundation
import SchedulerTesting
import Testing

/// Clients that open connections and send too little cannot hold them, and never stop the daemon serving others.
@Suite(.timeLimit(.minutes(1))) struct SlowClientTests {
    @Test func connectionsThatStallMidRequestAreClosedWhileOthersAreServed() async throws {
        let daemon = try Daemon()
        try daemon.write("p.yaml", "id: p\ntasks: [{id: a, kind: noop}]\n")
        let settings = daemon.root.appending("settings.yaml")
        try "idle_timeout: 1s\n".write(to: settings, atomically: true, encoding: .utf8)
        try await daemon.start(extra: ["--config", settings.path])
        let port = try #require(Int(daemon.url.split(separator: ":").last ?? ""))

        // 50 clients send half a request head and then nothing (slowloris).
        let stalled = try (0..<50).map { _ in try RawConnection(port: port) }
        for connection in stalled { try connection.send("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }

        // Everyone else is still served meanwhile.
        #expect(try await daemon.get("/api/v1/health")["status"] as? String == "ok")

        // The stalled ones are closed by the daemon (a read sees the end of the stream), none answered.
        try await eventually(within: 10, "the daemon to close the stalled connections") {
            stalled.allSatisfy { $0.isClosedByPeer() }
        }
        #expect(stalled.allSatisfy { $0.received.isEmpty })
        #expect(try await daemon.get("/api/v1/health")["status"] as? String == "ok")
    }
}

/// A plain TCP connection the test drives byte by byte.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32
    private(set) var received = Data()

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socket >= 0, connected == 0 else { throw E2EFailure("cannot connect to port \(port): \(String(cString: strerror(errno)))") }
    }

    func send(_ text: String) throws {
        let sent = text.utf8CString.withUnsafeBufferPointer { Glibc.send(socket, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        guard sent == text.utf8.count else { throw E2EFailure("could not send: \(String(cString: strerror(errno)))") }
    }

    /// Reads what is there without waiting; true once the peer has closed its side.
    func isClosedByPeer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                continue
            }
            return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        }
    }

    /// What has arrived so far, read without waiting.
    func receivedText() -> String {
        _ = isClosedByPeer()
        return String(decoding: received, as: UTF8.self)
    }

    /// Goes away without a word, as a client whose process ended: its side of the connection closes
    /// (what it had not read yet is dropped).
    func hangUp() {
        shutdown(socket, Int32(SHUT_WR))
    }

    deinit { close(socket) }
}
