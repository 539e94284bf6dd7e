import NIOCore
import NIOPosix

/// A fixed bootstrap address for the embedded broker, which listens on ports librdkafka picks (its mock cluster
/// has no way to choose them): each connection to `port` is relayed, byte for byte, to the cluster's first broker.
/// Clients bootstrap through it, then reach the brokers where the metadata says they are (loopback), as Kafka
/// clients always do.
struct BootstrapProxy {
    let host: String
    let port: Int
    let target: (host: String, port: Int)

    /// Listens and relays until cancelled.
    /// - Parameter listening: called once the address is bound.
    func run(listening: @Sendable () -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        listening()
        let target = self.target
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { try? await Self.relay(connection, to: target) }
                }
            }
        }
    }

    private static func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>, to target: (host: String, port: Int)) async throws {
        // The client's channel is closed whatever happens (a broker that is down refuses the relay's connection).
        try await client.executeThenClose { fromClient, toClient in
            let broker = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
            try await broker.executeThenClose { fromBroker, toBroker in
                // Either side closing ends the relay (and closes the other).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await bytes in fromClient { try await toBroker.write(bytes) } }
                    group.addTask { for try await bytes in fromBroker { try await toClient.write(bytes) } }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }
}
