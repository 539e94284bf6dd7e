import Hummingbird
import Logging

/// Starts a stand-in's Hummingbird server on 127.0.0.1:`port` (0: a free one) and returns once it listens, with the
/// task serving it (cancel it to stop). - Throws: when it cannot bind.
func startStandInServer(_ router: Router<BasicRequestContext>, name: String, port: Int = 0, logger: Logger) async throws -> (port: Int, server: Task<Void, any Error>) {
    let (listening, ready) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "standin"),
        onServerRunning: { channel in
            ready.yield(channel.localAddress?.port ?? 0)
            ready.finish()
        }, logger: logger)
    let server = Task {
        // A server that cannot bind ends here: the wait below must hear of it too.
        defer { ready.finish() }
        try await app.runService(gracefulShutdownSignals: [])
    }
    var bound = 0
    for await value in listening { bound = value }
    guard bound > 0 else {
        server.cancel()
        throw StandInError(description: "the \(name) could not listen on port \(port)")
    }
    return (bound, server)
}
