import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// The API over a real engine and in-memory store, through Hummingbird's test client; for suites that need nothing
/// more particular (older suites still carry their own copy of this).
enum TestAPI {
    static func with(
        yaml: [String], token: String = "local", _ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void
    ) async throws {
        try await EngineHarness.with(yaml: yaml) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: token),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }
}
