import Foundation
import NIOCore

/// Finds out that the client of an answer held open has gone, without writing to it.
///
/// An HTTP/1 server reads nothing more while it answers (NIO's pipelining), so a client that leaves is not
/// noticed until the next write fails; a followed log of a quiet task has nothing to write, and used to poll
/// for hours for nobody. The socket's TCP state says it at once: CLOSE_WAIT means the client closed its side.
enum ClientPresence {
    /// Returns when `channel` is closed or its peer has closed its side (looking every `interval`), or when the
    /// waiting task is cancelled. A channel that is not a socket (the router's in-process tests) has no client to
    /// lose: only cancelling ends the wait.
    static func waitUntilGone(_ channel: any Channel, every interval: Duration = .seconds(1)) async {
        let socket = channel as? any SocketOptionProvider
        while !Task.isCancelled {
            if let socket {
                if !channel.isActive { return }
                if let info = try? await socket.getTCPInfo().get(), Self.peerHasClosed(state: info.tcpi_state) { return }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// CLOSE_WAIT (8), LAST_ACK (9), CLOSE (7): the peer sent its FIN, or the connection is gone.
    static func peerHasClosed(state: UInt8) -> Bool {
        [7, 8, 9].contains(state)
    }
}
