import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// What the trail says and what an anonymous client can make it hold.
@Suite(.timeLimit(.minutes(2))) struct AuditTrailTests {
    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let router = buildRouter(engine: harness.engine, store: harness.store, credential: LocalCredential(token: "local"))
            try await Application(router: router).test(.router) { client in try await body(client, harness) }
        }
    }

    private let admin: HTTPFields = [.authorization: "Bearer local", .contentType: "application/json"]

    @Test func anAnonymousFloodWritesABoundedTrail() async throws {
        try await withAPI { client, harness in
            let before = try harness.store.auditEvents().count
            let hugeName = String(repeating: "n", count: 60_000)
            for index in 0..<120 {
                if index % 2 == 0 {
                    _ = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: "{}"))
                } else {
                    let body = try JSONSerialization.data(withJSONObject: ["name": hugeName, "password": "x"])
                    _ = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(bytes: body))
                }
            }
            let written = try harness.store.auditEvents(limit: 10_000).dropFirst(before)
            #expect(written.count <= 30, "one address writes at most 30 anonymous entries a minute")
            #expect(written.allSatisfy { $0.target.count <= 301 })
            #expect(!written.contains { $0.target.contains(hugeName.prefix(100)) }, "a name that is not a name is not kept")
            #expect(try harness.store.verifyAuditChain() == nil)
        }
    }

    @Test func entriesNameTheirTargetAndTheChange() async throws {
        try await withAPI { client, harness in
            _ = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"name": "bob", "role": "viewer", "password": "a long enough password"}"#))
            _ = try await client.execute(
                uri: "/api/v1/users/bob", method: .patch, headers: admin, body: ByteBuffer(string: #"{"role": "operator", "disabled": true}"#))
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"name": "ci", "role": "operator", "pipelines": ["p"], "expiresInDays": 7}"#))
            let token = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: created.body).utf8)) as? [String: Any])
            let id = try #require(token["id"] as? Int)
            let revoked = try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: admin)
            #expect(revoked.status == .noContent)
            _ = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: admin, body: ByteBuffer(string: "{}"))
            let targets = try harness.store.auditEvents().map { "\($0.action) \($0.target) \($0.outcome)" }
            #expect(targets == [
                "user.create user bob (role viewer) ok",
                "user.update user bob: role viewer → operator; disabled ok",
                "token.create token \(id) \"ci\" (role operator, pipelines p, 7 days) ok",
                "token.revoke token \(id) \"ci\" (role operator, pipelines p) ok",
                "run.trigger pipeline p ok",
            ])
        }
    }
}
