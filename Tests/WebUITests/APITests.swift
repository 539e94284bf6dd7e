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
        try await withAPI { client, harness in
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
            let oversized = try await client.execute(
                uri: "/api/v1/pipelines/p/runs", method: .post, headers: authorized,
                body: ByteBuffer(string: #"{"params": {"days": 1}, "idempotencyKey": ""# + String(repeating: "k", count: 100_000) + #""}"#))
            #expect(oversized.status == .contentTooLarge)
            #expect((try json(oversized)["error"] as? [String: String])?["code"] == "too_large")
            #expect(try harness.store.runs().isEmpty, "nothing was created from the oversized body")
        }
    }

    @Test func queryValuesOutsideWhatTheRouteDocumentsAreRefusedNotReplacedByDefaults() async throws {
        try await withAPI { client, _ in
            let cases: [(String, String)] = [
                ("/api/v1/runs?limit=0", "limit must be a whole number from 1 to 500, not \"0\""),
                ("/api/v1/runs?limit=null", "limit must be a whole number from 1 to 500, not \"null\""),
                ("/api/v1/runs?before=-3", "before must be a whole number"),
                ("/api/v1/runs/1?wait=601", "wait must be a whole number from 0 to 600"),
                ("/api/v1/runs/1/tasks/a/log?offset=x", "offset must be a whole number"),
                ("/api/v1/runs/1/tasks/a/log?follow=yes", "follow must be true or false, not \"yes\""),
                ("/api/v1/audit?limit=5000", "limit must be a whole number from 1 to 1000"),
                ("/api/v1/events?limit=0.5", "limit must be a whole number"),
            ]
            for (uri, message) in cases {
                let response = try await client.execute(uri: uri, method: .get, headers: authorized)
                #expect(response.status == .badRequest, "\(uri)")
                let said = (try json(response)["error"] as? [String: String])?["message"] ?? ""
                #expect(said.contains(message), "\(uri): \(said)")
            }
            // An expiry the calendar cannot hold used to stop the daemon; it is refused.
            let forever = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: authorized,
                body: ByteBuffer(string: #"{"name": "x", "role": "viewer", "expiresInDays": -99999999999999999}"#))
            #expect(forever.status == .badRequest)
        }
    }

    @Test func aPathWithoutTheMethodAnswers405WithAllowAndUnknownPathsJSON404() async throws {
        try await withAPI { client, _ in
            let wrongMethod = try await client.execute(uri: "/api/v1/runs/1/cancel", method: .get, headers: authorized)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(String(buffer: wrongMethod.body).contains(#""code":"method_not_allowed""#))
            let session = try await client.execute(uri: "/api/v1/session", method: .put, headers: authorized)
            #expect(session.status == .methodNotAllowed && session.headers[.allow] == "DELETE, GET, POST")
            let nowhere = try await client.execute(uri: "/api/v1/nowhere", method: .get, headers: authorized)
            #expect(nowhere.status == .notFound)
            #expect((try json(nowhere)["error"] as? [String: String])?["message"] == "no route /api/v1/nowhere")
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

    @Test func pipelinesCarryTheirLastRunsAndOnePipelineItsDefinition() async throws {
        try await withAPI { client, harness in
            for _ in 0..<12 { _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))) }
            let list = try json(try await client.execute(uri: "/api/v1/pipelines", method: .get, headers: authorized))
            let summary = try #require((list["pipelines"] as? [[String: Any]])?.first)
            #expect((summary["lastRuns"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == Array((3...12).reversed()))

            let one = try json(try await client.execute(uri: "/api/v1/pipelines/p", method: .get, headers: authorized))
            #expect(one["definition"] as? String == yaml)
            let task = try #require((one["taskDetails"] as? [[String: Any]])?.first)
            #expect(task["id"] as? String == "a" && task["kind"] as? String == "noop" && task["triggerRule"] as? String == "all_success")
            #expect((one["pipeline"] as? [String: Any])?["id"] as? String == "p")
            let unknown = try await client.execute(uri: "/api/v1/pipelines/nope", method: .get, headers: authorized)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func theGridGivesEachRunsTaskStatesByPages() async throws {
        try await withAPI { client, harness in
            var last = RunID(0)
            for _ in 0..<3 { last = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run.id }
            try await harness.waitFor(last, .succeeded)
            let page = try json(try await client.execute(uri: "/api/v1/pipelines/p/grid?limit=2", method: .get, headers: authorized))
            let rows = try #require(page["runs"] as? [[String: Any]])
            #expect(rows.compactMap { ($0["run"] as? [String: Any])?["id"] as? Int } == [3, 2])
            #expect(rows.allSatisfy { ($0["tasks"] as? [String: String]) == ["a": "succeeded"] })
            let next = try #require(page["nextBefore"] as? Int)
            let rest = try json(try await client.execute(uri: "/api/v1/pipelines/p/grid?limit=2&before=\(next)", method: .get, headers: authorized))
            #expect((rest["runs"] as? [[String: Any]])?.count == 1 && rest["nextBefore"] == nil)
        }
    }

    @Test func runsFilterByStateAndLogicalDateRange() async throws {
        try await withAPI { client, harness in
            let days = ["2025-03-01", "2025-03-02", "2025-03-03"]
            for day in days {
                let date = try Date(day + "T06:00:00Z", strategy: .iso8601)
                _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), logicalDate: date))
            }
            func ids(_ query: String) async throws -> [Int] {
                let page = try json(try await client.execute(uri: "/api/v1/runs?\(query)", method: .get, headers: authorized))
                return (page["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
            }
            #expect(try await ids("since=2025-03-02") == [3, 2])
            #expect(try await ids("since=2025-03-02&until=2025-03-03") == [2])
            #expect(try await ids("until=2025-03-01T07:00:00Z") == [1])
            #expect(try await ids("state=cancelled").isEmpty)
            let bad = try await client.execute(uri: "/api/v1/runs?since=yesterday", method: .get, headers: authorized)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("since must be an RFC 3339 time"))
        }
    }
}
