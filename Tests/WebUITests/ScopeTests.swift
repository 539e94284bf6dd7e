import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import Synchronization
import WebUI

/// A token limited to some pipelines reads and acts on those only, on every route; and nobody mints a credential
/// wider than themselves.
@Suite(.timeLimit(.minutes(2))) struct ScopeTests {
    private let pipelines = [
        "id: p\ntasks: [{id: a, kind: noop}]\n",
        "id: other\ntasks: [{id: a, kind: shell, with: {command: 'true', env: {API_KEY: s3cret-value}}}]\n",
    ]

    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: pipelines) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    private func bearer(_ role: Role, _ pipelines: [String]?, in store: Store) throws -> HTTPFields {
        let secret = SecretToken.generate(prefix: "ao_")
        _ = try store.createToken(APIToken(
            name: "\(role.rawValue)-\(pipelines?.joined(separator: "+") ?? "all")", digest: SecretToken.digest(secret), role: role,
            pipelines: pipelines?.map { PipelineID($0) }, createdBy: "test", createdAt: Date()))
        return [.authorization: "Bearer \(secret)", .contentType: "application/json"]
    }

    private func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test(arguments: Role.allCases) func everyReadRouteKeepsAScopedTokenToItsPipelines(role: Role) async throws {
        try await withAPI { client, harness in
            let theirs = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run.id
            let mine = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("other"))).run.id
            try await harness.waitFor(theirs, .succeeded)
            try await harness.waitFor(mine, .succeeded)
            let headers = try bearer(role, ["other"], in: harness.store)

            // One pipeline's routes: its own answer, the other's refused.
            let perPipeline = [
                "/api/v1/pipelines/%@", "/api/v1/pipelines/%@/grid", "/api/v1/runs/%@", "/api/v1/runs/%@?wait=1",
                "/api/v1/runs/%@/tasks/a/log", "/api/v1/runs/%@/tasks/a/log?follow=true",
            ]
            for template in perPipeline {
                let own = template.contains("runs/") ? "\(mine.rawValue)" : "other"
                let foreign = template.contains("runs/") ? "\(theirs.rawValue)" : "p"
                let allowed = try await client.execute(uri: template.replacingOccurrences(of: "%@", with: own), method: .get, headers: headers)
                let refused = try await client.execute(uri: template.replacingOccurrences(of: "%@", with: foreign), method: .get, headers: headers)
                #expect(allowed.status == .ok, "\(role) \(template) on its own pipeline")
                #expect(refused.status == .forbidden, "\(role) \(template) on another pipeline")
                #expect(!String(buffer: refused.body).contains("\"runs\""))
            }

            // Lists hold only what the scope allows.
            let list = try json(try await client.execute(uri: "/api/v1/pipelines", method: .get, headers: headers))
            #expect((list["pipelines"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["other"])
            let runs = try json(try await client.execute(uri: "/api/v1/runs", method: .get, headers: headers))
            #expect((runs["runs"] as? [[String: Any]])?.compactMap { $0["pipeline"] as? String } == ["other"])
            let filtered = try json(try await client.execute(uri: "/api/v1/runs?pipeline=p", method: .get, headers: headers))
            #expect((filtered["runs"] as? [[String: Any]])?.isEmpty == true)

            // What covers every pipeline is refused to a scoped token, whatever its role.
            for uri in ["/metrics", "/api/v1/audit", "/api/v1/audit/export", "/api/v1/users", "/api/v1/tokens"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: headers).status == .forbidden, "\(role) \(uri)")
            }
            #expect(try await client.execute(uri: "/api/v1/session", method: .get, headers: headers).status == .ok)
        }
    }

    /// Every run published one table, as far as this provider says: the routes decide who reads which.
    private struct EveryRunHasATable: AnalysisProvider {
        func analysis(pipeline: PipelineID, logicalDate: Date) throws -> [AnalysisTable]? {
            [AnalysisTable(name: "sales", columns: ["pipeline", "note"], rows: [[pipeline.rawValue, nil]], csv: "pipeline,note\n\(pipeline.rawValue),\n")]
        }

        func analysisTableNames(pipeline: PipelineID, logicalDate: Date) throws -> [String]? { ["sales"] }
    }

    @Test(arguments: [Role.viewer, .admin]) func theReportsKeepAScopedTokenToItsPipelines(role: Role) async throws {
        try await EngineHarness.with(yaml: pipelines) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"), analysis: EveryRunHasATable())
            try await app.test(.router) { client in
                let theirs = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run.id
                let mine = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("other"))).run.id
                try await harness.waitFor(theirs, .succeeded)
                try await harness.waitFor(mine, .succeeded)
                let headers = try bearer(role, ["other"], in: harness.store)

                let reports = try json(try await client.execute(uri: "/api/v1/reports", method: .get, headers: headers))
                let listed = (reports["reports"] as? [[String: Any]]) ?? []
                #expect(listed.compactMap { $0["pipeline"] as? String } == ["other"])
                #expect(((listed.first?["run"] as? [String: Any])?["id"] as? Int).map(Int64.init) == mine.rawValue)

                let own = try json(try await client.execute(uri: "/api/v1/runs/\(mine.rawValue)/analysis", method: .get, headers: headers))
                let table = try #require((own["tables"] as? [[String: Any]])?.first)
                #expect(table["name"] as? String == "sales")
                #expect((table["rows"] as? [[Any]])?.first?.last is NSNull, "an empty field is null")
                let csv = try await client.execute(uri: "/api/v1/runs/\(mine.rawValue)/analysis/sales", method: .get, headers: headers)
                #expect(String(buffer: csv.body) == "pipeline,note\nother,\n")
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.headers[.contentDisposition]?.contains("attachment") == true)
                #expect(try await client.execute(uri: "/api/v1/runs/\(mine.rawValue)/analysis/nope", method: .get, headers: headers).status == .notFound)

                for uri in ["/api/v1/runs/\(theirs.rawValue)/analysis", "/api/v1/runs/\(theirs.rawValue)/analysis/sales"] {
                    let refused = try await client.execute(uri: uri, method: .get, headers: headers)
                    #expect(refused.status == .forbidden, "\(role) \(uri)")
                    #expect(!String(buffer: refused.body).contains("pipeline,note"))
                }
                #expect(try await client.execute(uri: "/api/v1/runs/99999/analysis", method: .get, headers: headers).status == .notFound)
                #expect(try await client.execute(uri: "/api/v1/reports", method: .get, headers: [:]).status == .unauthorized)
            }
        }
    }

    /// The alert outbox through the API: a scoped token sees its pipelines' alerts only; newest first, by pages.
    @Test func theAlertOutboxKeepsAScopedTokenToItsPipelines() async throws {
        let failing = { (id: String) in "id: \(id)\nalerts: {channels: [chat]}\ntasks: [{id: a, kind: shell, with: {command: 'exit 2'}}]\n" }
        try await EngineHarness.with(yaml: [failing("p"), failing("other")], alertChannels: ["chat"]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in
                for pipeline in ["p", "other", "other"] {
                    let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID(pipeline))).run.id
                    try await harness.waitFor(run, .failed)
                }
                let scoped = try bearer(.viewer, ["other"], in: harness.store)
                let mine = try json(try await client.execute(uri: "/api/v1/alerts", method: .get, headers: scoped))
                let alerts = (mine["alerts"] as? [[String: Any]]) ?? []
                #expect(alerts.compactMap { $0["pipeline"] as? String } == ["other", "other"], "task_failed and run_failed of other; the repeat throttled")
                #expect(alerts.compactMap { $0["event"] as? String } == ["run_failed", "task_failed"])
                #expect(alerts.allSatisfy { $0["state"] as? String == "pending" && $0["channel"] as? String == "chat" })
                let everyone = try bearer(.viewer, nil, in: harness.store)
                let first = try json(try await client.execute(uri: "/api/v1/alerts?limit=3", method: .get, headers: everyone))
                #expect((first["alerts"] as? [[String: Any]])?.count == 3)
                let next = try #require(first["nextBefore"] as? Int)
                let rest = try json(try await client.execute(uri: "/api/v1/alerts?before=\(next)", method: .get, headers: everyone))
                #expect((rest["alerts"] as? [[String: Any]])?.count == 1, "four in all: two per pipeline")
                #expect(try await client.execute(uri: "/api/v1/alerts", method: .get, headers: [:]).status == .unauthorized)
                #expect(try await client.execute(uri: "/api/v1/alerts?limit=0", method: .get, headers: everyone).status == .badRequest)
            }
        }
    }

    @Test func aViewerReadsADefinitionWithItsEnvironmentValuesMasked() async throws {
        try await withAPI { client, harness in
            for (role, masked) in [(Role.viewer, true), (.auditor, true), (.operator, false), (.admin, false)] {
                let response = try await client.execute(
                    uri: "/api/v1/pipelines/other", method: .get, headers: try bearer(role, nil, in: harness.store))
                let definition = try #require(try json(response)["definition"] as? String)
                #expect(definition.contains("s3cret-value") == !masked, "\(role)")
                #expect(definition.contains("API_KEY"))
                if masked { #expect(definition.contains("***")) }
            }
        }
    }

    @Test func aScopedTokenHearsOnlyItsPipelinesEvents() async throws {
        try await withAPI { client, harness in
            let headers = try bearer(.viewer, ["other"], in: harness.store)
            let mine = RunIDs()
            let body = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    String(buffer: try await client.execute(uri: "/api/v1/events?limit=6", method: .get, headers: headers).body)
                }
                // Runs of both pipelines keep coming until the stream has had its events (it may open after the first ones).
                group.addTask {
                    for _ in 0..<200 {
                        _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p")))
                        let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("other"))).run.id
                        mine.insert(run.rawValue)
                        // Paced by the runs themselves: the next pair once this one has ended.
                        try await harness.waitFor(run, .succeeded)
                    }
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            let events = try #require(body).components(separatedBy: "\n\n").filter { $0.hasPrefix("event: ") }
            #expect(events.count == 6)
            for event in events {
                let data = try #require(event.split(separator: "\n").first { $0.hasPrefix("data: ") }).dropFirst(6)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                if let pipeline = object["pipeline"] as? String { #expect(pipeline == "other") }
                if let run = object["run"] as? Int64 ?? (object["id"] as? Int64) { #expect(mine.contains(run), "\(event)") }
            }
        }
    }

    @Test func aScopedAdminTokenMintsNothingWiderThanItself() async throws {
        try await withAPI { client, harness in
            let headers = try bearer(.admin, ["other"], in: harness.store)
            func create(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: body)).status
            }
            #expect(try await create(#"{"name": "wide", "role": "admin"}"#) == .forbidden)
            #expect(try await create(#"{"name": "elsewhere", "role": "viewer", "pipelines": ["p"]}"#) == .forbidden)
            #expect(try await create(#"{"name": "narrow", "role": "operator", "pipelines": ["other"]}"#) == .created)
            let user = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"name": "eve", "role": "admin", "password": "a long enough password"}"#))
            #expect(user.status == .forbidden)
            #expect(try harness.store.user(named: "eve") == nil)
            let operatorHeaders = try bearer(.operator, nil, in: harness.store)
            let byOperator = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: operatorHeaders, body: ByteBuffer(string: #"{"name": "x", "role": "viewer"}"#))
            #expect(byOperator.status == .forbidden)
        }
    }
}

/// Run ids seen by one task and checked by another.
private final class RunIDs: Sendable {
    private let ids = Mutex<Set<Int64>>([])
    func insert(_ id: Int64) { ids.withLock { _ = $0.insert(id) } }
    func contains(_ id: Int64) -> Bool { ids.withLock { $0.contains(id) } }
}
