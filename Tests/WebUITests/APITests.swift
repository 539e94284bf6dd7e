import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// The API through Hummingbird's test client, over a real engine and in-memory store.
@Suite(.timeLimit(.minutes(1))) struct APITests {
    private let yaml = "id: p\nparams: {days: {type: integer, default: 1}}\ntasks: [{id: a, kind: noop}]\n"
    private let credential = LocalCredential(token: "secret-token")

    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: credential,
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    private func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    private var authorized: HTTPFields { [.authorization: "Bearer secret-token", .contentType: "application/json"] }

    @Test func healthAnswersWithoutCredentials() async throws {
        try await withAPI { client, _ in
            let response = try await client.execute(uri: "/api/v1/health", method: .get)
            #expect(response.status == .ok)
            #expect(try json(response)["status"] as? String == "ok")
        }
    }

    @Test func triggerNeedsTheCredentialAndHonoursTheIdempotencyKey() async throws {
        try await withAPI { client, harness in
            let denied = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, body: ByteBuffer(string: "{}"))
            #expect(denied.status == .unauthorized)
            #expect((try json(denied)["error"] as? [String: String])?["code"] == "unauthorized")

            var headers = authorized
            headers[.init("Idempotency-Key")!] = "ci-1"
            let body = ByteBuffer(string: #"{"params": {"days": 3}}"#)
            let first = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers, body: body)
            let second = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers, body: body)
            #expect(first.status == .created && second.status == .ok)
            #expect(try json(first)["id"] as? Int == json(second)["id"] as? Int)
            #expect((try json(first)["params"] as? [String: Int])?["days"] == 3)
            #expect(try harness.store.runs().count == 1)
        }
    }

    @Test func badRequestsGetJSONErrorsWithTheRightStatus() async throws {
        try await withAPI { client, _ in
            let malformed = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: authorized, body: ByteBuffer(string: "{nope"))
            #expect(malformed.status == .badRequest)
            let badParam = try await client.execute(
                uri: "/api/v1/pipelines/p/runs", method: .post, headers: authorized, body: ByteBuffer(string: #"{"params": {"days": "x"}}"#))
            #expect(badParam.status == .unprocessableContent)
            #expect((try json(badParam)["error"] as? [String: String])?["message"] == #"param "days": "x" is not an integer"#)
            let unknown = try await client.execute(uri: "/api/v1/pipelines/q/runs", method: .post, headers: authorized, body: ByteBuffer(string: "{}"))
            #expect(unknown.status == .notFound)
            let noRun = try await client.execute(uri: "/api/v1/runs/42", method: .get, headers: authorized)
            #expect(noRun.status == .notFound)
            let badState = try await client.execute(uri: "/api/v1/runs?state=done", method: .get, headers: authorized)
            #expect(badState.status == .badRequest)
        }
    }

    @Test func runsArePagedNewestFirst() async throws {
        try await withAPI { client, harness in
            for _ in 0..<5 { _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))) }
            let first = try json(try await client.execute(uri: "/api/v1/runs?limit=2", method: .get, headers: authorized))
            let ids = (first["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
            #expect(ids == [5, 4])
            let next = try #require(first["nextBefore"] as? Int)
            let second = try json(try await client.execute(uri: "/api/v1/runs?limit=2&before=\(next)", method: .get, headers: authorized))
            #expect((second["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [3, 2])
        }
    }
}
