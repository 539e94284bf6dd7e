import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

@Suite(.timeLimit(.minutes(1))) struct ObservabilityTests {
    private let local: HTTPFields = [.authorization: "Bearer local"]

    private func withAPI(_ yaml: String, _ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: [yaml]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    private func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test func waitAnswersWhenTheRunEnds() async throws {
        let script = ScriptedJob.Script(blocks: true)
        let yaml = "id: p\ntasks: [{id: a, kind: scripted, with: {script: \(EngineHarness.script(script))}}]\n"
        try await withAPI(yaml) { client, harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, task: "a", .running)
            let now = try json(try await client.execute(uri: "/api/v1/runs/\(run.id)?wait=0", method: .get, headers: local))
            #expect((now["run"] as? [String: Any])?["state"] as? String == "running")
            async let waited = client.execute(uri: "/api/v1/runs/\(run.id)?wait=30", method: .get, headers: local)
            script.release()
            let ended = try json(try await waited)
            #expect((ended["run"] as? [String: Any])?["state"] as? String == "succeeded")
            #expect(try await client.execute(uri: "/api/v1/runs/\(run.id)?wait=601", method: .get, headers: local).status == .badRequest)
        }
    }

    @Test func metricsCountRunsAndAttemptsByState() async throws {
        try await withAPI("id: p\ntasks: [{id: a, kind: noop}]\n") { client, harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .succeeded)
            let response = try await client.execute(uri: "/metrics", method: .get, headers: local)
            let text = String(buffer: response.body)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(text.contains("autooptimize_runs{state=\"succeeded\"} 1.0\n"))
            #expect(text.contains("autooptimize_attempts{state=\"succeeded\"} 1.0\n"))
            #expect(text.contains("# TYPE autooptimize_running_attempts gauge\nautooptimize_running_attempts 0.0\n"))
            // Durations by pipeline and outcome, and the engine's lag, as histograms.
            #expect(text.contains("autooptimize_attempt_duration_seconds_count{pipeline=\"p\",state=\"succeeded\"} 1\n"))
            #expect(text.contains("autooptimize_run_duration_seconds_count{pipeline=\"p\",state=\"succeeded\"} 1\n"))
            let lagCount = text.split(separator: "\n").first { $0.hasPrefix("autooptimize_engine_lag_seconds_count ") }
            #expect((lagCount?.split(separator: " ").last).flatMap { Int($0) } ?? 0 >= 2, "the trigger and the attempt's end were acted on")
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
        }
    }

    @Test func logsAreServedByByteRange() async throws {
        try await withAPI("id: p\ntasks: [{id: say, kind: shell, with: {command: echo abcdefgh}}]\n") { client, harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .succeeded)
            let part = try await client.execute(uri: "/api/v1/runs/\(run.id)/tasks/say/log?offset=2&length=3", method: .get, headers: local)
            #expect(String(buffer: part.body) == "cde")
            #expect(part.headers[.init("X-Log-Size")!] == "9")
            let missing = try await client.execute(uri: "/api/v1/runs/\(run.id)/tasks/nope/log", method: .get, headers: local)
            #expect(missing.status == .notFound)
        }
    }

    @Test func auditorsReadAndExportTheTrailOthersMayNot() async throws {
        try await withAPI("id: p\ntasks: [{id: a, kind: noop}]\n") { client, harness in
            func bearer(_ role: Role) throws -> HTTPFields {
                let secret = SecretToken.generate(prefix: "ao_")
                _ = try harness.store.createToken(APIToken(
                    name: role.rawValue, digest: SecretToken.digest(secret), role: role, createdBy: "test", createdAt: Date()))
                return [.authorization: "Bearer \(secret)", .contentType: "application/json"]
            }
            let operatorHeaders = try bearer(.operator)
            _ = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: operatorHeaders, body: ByteBuffer(string: "{}"))
            #expect(try await client.execute(uri: "/api/v1/audit", method: .get, headers: operatorHeaders).status == .forbidden)
            let auditor = try bearer(.auditor)
            let page = try json(try await client.execute(uri: "/api/v1/audit", method: .get, headers: auditor))
            #expect((page["events"] as? [[String: Any]])?.first?["action"] as? String == "run.trigger")
            let export = try await client.execute(uri: "/api/v1/audit/export", method: .get, headers: auditor)
            #expect(export.headers[.init("X-Audit-Chain")!] == "intact")
            #expect(String(buffer: export.body).split(separator: "\n").count == 1)
            // The export itself is on the record.
            #expect(try harness.store.auditEvents().last?.action == "audit.export")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct LiveEventsTests {
    @Test func engineEventsStreamAsServerSentEvents() async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in
                let body = try await withThrowingTaskGroup(of: String?.self) { group in
                    group.addTask {
                        let response = try await client.execute(uri: "/api/v1/events?limit=4", method: .get, headers: [.authorization: "Bearer local"])
                        #expect(response.headers[.contentType] == "text/event-stream")
                        return String(buffer: response.body)
                    }
                    // Runs keep coming until the stream has had its events (it may open after the first ones).
                    group.addTask {
                        for _ in 0..<200 {
                            _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p")))
                            try await Task.sleep(for: .milliseconds(25))  // poll pace, bounded by the 200 tries and the suite's time limit
                        }
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                let text = try #require(body)
                #expect(text.hasPrefix(": autooptimize events\n\n"))
                let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: ") }
                #expect(events.count == 4)
                #expect(events.allSatisfy { ["event: run", "event: task", "event: attempt", "event: pipelines"].contains(String($0.prefix { $0 != "\n" })) })
                #expect(events.contains { $0.contains("\"pipeline\":\"p\"") || $0.contains("\"task\":\"a\"") })
            }
        }
    }
}
