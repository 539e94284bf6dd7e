#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port held by a socket that is bound but not listening: connecting to it is refused (a server that
/// is down), no other program is given it, and a server that sets `SO_REUSEADDR` (Hummingbird, NIO) may still bind
/// it, so a test can bring "the same server" up on it later without racing other tests for the port.
public final class ReservedPort: Sendable {
    public let port: Int
    private let socket: Int32

    public init() {
        (socket, port) = loopbackSocket(reuseAddress: true)
    }

    deinit { close(socket) }
}

/// A TCP socket bound to a free port of 127.0.0.1 (not listening), and the port.
func loopbackSocket(reuseAddress: Bool) -> (socket: Int32, port: Int) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    if reuseAddress { setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 ? getsockname(socket, $0, &length) : -1 }
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}
