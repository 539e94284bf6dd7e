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

    public init(_ manner: Manner) {
        (socket, port) = loopbackSocket(reuseAddress: false)
        let socket = self.socket
        listen(socket, 16)
        guard manner == .hangsUp else { return }  // silent: the kernel completes the handshake; nobody reads
        Thread.detachNewThread {
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
