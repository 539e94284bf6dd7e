#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A loopback TCP server that behaves badly on purpose: `silent` takes connections and never answers (a receiver
/// that hangs past the client's timeout); `hangsUp` reads the start of each request and closes the connection (a
/// receiver that goes away mid-request).
public final class RudeServer: @unchecked Sendable {
    public enum Manner: Sendable {
        case silent
        case hangsUp
    }

    public let port: Int
    private let socket: Int32
    private var accepted: [Int32] = []
    private let lock = NSLock()

    public init(_ manner: Manner) {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let socket = self.socket
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 ? getsockname(socket, $0, &length) : -1 }
        }
        listen(socket, 16)
        port = Int(UInt16(bigEndian: address.sin_port))
        guard manner == .hangsUp else { return }  // silent: the kernel completes the handshake; nobody reads
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(socket, nil, nil)
                guard connection >= 0 else { return }  // the listening socket was closed
                var buffer = [UInt8](repeating: 0, count: 64)
                _ = read(connection, &buffer, buffer.count)
                close(connection)
            }
        }
    }

    deinit {
        // shutdown first: it wakes an accept() blocked on the socket, which then fails and ends the thread.
        Glibc.shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
