import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// Passwords set by somebody else must be changed before anything else; changes end other sessions;
/// admins manage users but cannot lock everyone out.
@Suite(.timeLimit(.minutes(2))) struct PasswordTests {
    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    /// Signs in; returns the headers of the session (cookie and CSRF token).
    private func signIn(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> HTTPFields {
        let login = try await client.execute(
            uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"name": "\#(name)", "password": "\#(password)"}"#))
        try #require(login.status == .ok, "sign-in of \(name): \(login.status)")
        let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: login.body).utf8)) as? [String: Any])
        var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
        headers[.init("X-CSRF-Token")!] = try #require(body["csrfToken"] as? String)
        return headers
    }

    private let admin: HTTPFields = [.authorization: "Bearer local", .contentType: "application/json"]

    @Test func aPasswordSetByAnAdminMustBeChangedFirstAndTheChangeEndsOtherSessions() async throws {
        try await withAPI { client, harness in
            let created = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"name": "ana", "role": "operator", "password": "given by the admin"}"#))
            #expect(created.status == .created && String(buffer: created.body).contains(#""mustChangePassword":true"#))
            let first = try await signIn(client, "ana", "given by the admin")
            let second = try await signIn(client, "ana", "given by the admin")

            let blocked = try await client.execute(uri: "/api/v1/runs", method: .get, headers: first)
            #expect(blocked.status == .forbidden && String(buffer: blocked.body).contains("password_change_required"))
            let refusedTrigger = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: first, body: ByteBuffer(string: "{}"))
            #expect(refusedTrigger.status == .forbidden)
            #expect(try harness.store.auditEvents().contains {
                $0.actor == "ana" && $0.target == "/api/v1/pipelines/p/runs" && $0.outcome == "refused: password_change_required"
            })
            #expect(try await client.execute(uri: "/api/v1/session", method: .get, headers: first).status == .ok)

            func change(_ current: String, _ new: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/session/password", method: .post, headers: first,
                    body: ByteBuffer(string: #"{"current": "\#(current)", "new": "\#(new)"}"#))
            }
            #expect(try await change("a wrong guess!!", "my own secret phrase").status == .unprocessableContent)
            #expect(try await change("given by the admin", "short").status == .unprocessableContent)
            #expect(try await change("given by the admin", "given by the admin").status == .unprocessableContent)
            let changed = try await change("given by the admin", "my own secret phrase")
            #expect(changed.status == .ok)

            // The session is rotated: the answer starts a new one, and every earlier one, this one included, ends.
            let cookie = String(try #require(changed.headers[.setCookie]).split(separator: ";")[0])
            let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: changed.body).utf8)) as? [String: Any])
            var rotated: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            rotated[.init("X-CSRF-Token")!] = try #require(body["csrfToken"] as? String)
            #expect(cookie != first[.cookie])
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: rotated).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: first).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: second).status == .unauthorized)
            _ = try await signIn(client, "ana", "my own secret phrase")
            let outcomes = try harness.store.auditEvents().filter { $0.action == "user.password" }.map(\.outcome)
            #expect(outcomes == ["refused: bad_password", "refused: weak_password", "refused: weak_password", "ok"])
        }
    }

    @Test func anAPITokenHasNoPasswordToChange() async throws {
        try await withAPI { client, _ in
            let response = try await client.execute(
                uri: "/api/v1/session/password", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"current": "x", "new": "a long enough phrase"}"#))
            #expect(response.status == .forbidden)
        }
    }

    @Test func adminsChangeRolesAndDisableUsersButNotTheLastAdmin() async throws {
        try await withAPI { client, harness in
            _ = try harness.store.createUser(User(
                name: "bob", role: .viewer, passwordHash: try await PasswordHasher.hash("bob's long phrase"), createdAt: Date()))
            _ = try harness.store.createUser(User(
                name: "root", role: .admin, passwordHash: try await PasswordHasher.hash("root's long phrase"), createdAt: Date()))
            let bob = try await signIn(client, "bob", "bob's long phrase")

            func patch(_ name: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/users/\(name)", method: .patch, headers: admin, body: ByteBuffer(string: body))
            }
            let promoted = try await patch("bob", #"{"role": "operator"}"#)
            #expect(promoted.status == .ok && String(buffer: promoted.body).contains(#""role":"operator""#))
            // A new role ends the sessions signed in under the old one.
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: bob).status == .unauthorized)
            let operatorBob = try await signIn(client, "bob", "bob's long phrase")
            let trigger = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: operatorBob, body: ByteBuffer(string: "{}"))
            #expect(trigger.status == .created)

            #expect(try await patch("bob", #"{"disabled": true}"#).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: operatorBob).status == .unauthorized)
            #expect(try await patch("bob", #"{"role": "chief"}"#).status == .badRequest)
            #expect(try await patch("nobody", #"{"disabled": true}"#).status == .notFound)

            // The last enabled admin stays: demoting or disabling it is refused.
            #expect(try await patch("root", #"{"disabled": true}"#).status == .conflict)
            let rootBefore = try #require(try harness.store.user(named: "root"))
            #expect(try await patch("root", #"{"role": "viewer", "password": "a new long password"}"#).status == .conflict)
            #expect(try harness.store.user(named: "root") == rootBefore, "a refused change changes nothing")
            let reset = try await patch("root", #"{"password": "reset by the local admin"}"#)
            #expect(reset.status == .ok && String(buffer: reset.body).contains(#""mustChangePassword":true"#))
            let outcomes = try harness.store.auditEvents().filter { $0.action == "user.update" }.map(\.outcome)
            #expect(outcomes == ["ok", "ok", "refused: bad_request", "refused: not_found", "refused: conflict", "refused: conflict", "ok"])
        }
    }
}
