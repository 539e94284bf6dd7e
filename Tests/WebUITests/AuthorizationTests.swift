import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// Who may do what through the API, and what the audit trail says about it.
@Suite(.timeLimit(.minutes(2))) struct AuthorizationTests {
    private let yaml = "id: p\ntasks: [{id: a, kind: noop}]\n"

    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: [yaml, "id: other\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "local"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in try await body(client, harness) }
        }
    }

    private func token(_ role: Role, pipelines: [String]? = nil, in store: Store) throws -> String {
        let secret = SecretToken.generate(prefix: "ao_")
        _ = try store.createToken(APIToken(
            name: role.rawValue, digest: SecretToken.digest(secret), role: role, pipelines: pipelines?.map { PipelineID($0) },
            createdBy: "test", createdAt: Date()))
        return secret
    }

    private func bearer(_ secret: String) -> HTTPFields { [.authorization: "Bearer \(secret)", .contentType: "application/json"] }

    /// Every state-changing route, with a body the route accepts.
    private let operateRoutes: [(HTTPRequest.Method, String, String)] = [
        (.post, "/api/v1/pipelines/p/runs", "{}"), (.post, "/api/v1/pipelines/p/pause", "{}"), (.post, "/api/v1/pipelines/p/unpause", "{}"),
        (.post, "/api/v1/pipelines/p/backfill", #"{"from": "2025-01-01T00:00:00Z", "to": "2025-01-02T00:00:00Z"}"#),
        (.post, "/api/v1/runs/1/cancel", "{}"), (.post, "/api/v1/runs/1/rerun", #"{"task": "a"}"#),
        (.post, "/api/v1/runs/1/tasks/a/mark", #"{"state": "succeeded"}"#), (.patch, "/api/v1/runs/1", #"{"comment": "checked"}"#),
    ]

    @Test func eachRoleMayDoWhatItsPermissionsSayAndEveryAttemptIsAudited() async throws {
        try await withAPI { client, harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await harness.waitFor(run.id, .succeeded)
            var refused = 0
            var requests = 0
            for role in Role.allCases {
                let headers = bearer(try token(role, in: harness.store))
                for (method, uri, body) in operateRoutes {
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
                    requests += 1
                    if role.allows(.operate) {
                        #expect(![.unauthorized, .forbidden].contains(response.status), "\(role) \(uri): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "\(role) \(uri)")
                        refused += 1
                    }
                }
                let tokens = try await client.execute(
                    uri: "/api/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: #"{"name": "x", "role": "viewer"}"#))
                requests += 1
                #expect(tokens.status == (role == .admin ? .created : .forbidden), "\(role) creating a token")
                if role != .admin { refused += 1 }
                let userChange = try await client.execute(
                    uri: "/api/v1/users/nobody", method: .patch, headers: headers, body: ByteBuffer(string: #"{"disabled": true}"#))
                requests += 1
                #expect(userChange.status == (role == .admin ? .notFound : .forbidden), "\(role) changing a user")
                if role != .admin { refused += 1 }
                // Reading is open to every role and writes no audit event.
                let read = try await client.execute(uri: "/api/v1/runs", method: .get, headers: headers)
                #expect(read.status == .ok)
            }
            let events = try harness.store.auditEvents()
            #expect(events.count == requests)
            #expect(events.filter { $0.outcome == "refused: forbidden" }.count == refused)
            #expect(events.contains { $0.actor == "token operator" && $0.action == "run.trigger" && $0.target == "pipeline p" && $0.outcome == "ok" })
            #expect(try harness.store.verifyAuditChain() == nil)
        }
    }

    @Test func aTokenScopedToOnePipelineCannotActOnAnother() async throws {
        try await withAPI { client, harness in
            let headers = bearer(try token(.operator, pipelines: ["other"], in: harness.store))
            let mine = try await client.execute(uri: "/api/v1/pipelines/other/runs", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            let theirs = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            #expect(mine.status == .created && theirs.status == .forbidden)
        }
    }

    @Test func revokedAndUnknownTokensAreRefused() async throws {
        try await withAPI { client, harness in
            let secret = try token(.admin, in: harness.store)
            let id = try #require(try harness.store.tokens().first?.id)
            #expect(try harness.store.revokeToken(id: id, at: Date()))
            for headers in [bearer(secret), bearer("ao_made_up")] {
                let response = try await client.execute(uri: "/api/v1/runs", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
            }
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get).status == .unauthorized)
        }
    }

    @Test func panelSessionsNeedTheirCSRFTokenAndEndAtLogout() async throws {
        try await withAPI { client, harness in
            _ = try harness.store.createUser(User(
                name: "ana", role: .operator, passwordHash: try await PasswordHasher.hash("correct horse battery"), createdAt: Date()))
            let login = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name": "ana", "password": "correct horse battery"}"#))
            #expect(login.status == .ok)
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: login.body).utf8)) as? [String: Any])
            let csrf = try #require(body["csrfToken"] as? String)

            let forged = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: [.cookie: cookie], body: ByteBuffer(string: "{}"))
            #expect(forged.status == .forbidden)
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            headers[.init("X-CSRF-Token")!] = csrf
            let allowed = try await client.execute(uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            #expect(allowed.status == .created)
            #expect(try await client.execute(uri: "/api/v1/session", method: .delete, headers: headers).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
            let actions = try harness.store.auditEvents().map { "\($0.actor) \($0.action) \($0.outcome)" }
            #expect(actions == [
                "ana session.login ok", "ana POST /api/v1/pipelines/p/runs refused: csrf", "ana run.trigger ok", "ana session.logout ok",
            ])
        }
    }

    @Test func repeatedWrongPasswordsAreSlowedDownAndAudited() async throws {
        try await withAPI { client, harness in
            _ = try harness.store.createUser(User(
                name: "bob", role: .viewer, passwordHash: try await PasswordHasher.hash("the right one!"), createdAt: Date()))
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 {
                let response = try await client.execute(
                    uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name": "bob", "password": "guess"}"#))
                statuses.append(response.status)
            }
            #expect(statuses == Array(repeating: .unauthorized, count: 5) + [.tooManyRequests])
            let outcomes = try harness.store.auditEvents().map(\.outcome)
            #expect(outcomes == Array(repeating: "refused: bad_credentials", count: 5) + ["refused: too_many_attempts"])
        }
    }

    @Test func underTLSTheSessionCookieIsSecureAndBrowsersAreToldToKeepToHTTPS() async throws {
        try await EngineHarness.with(yaml: [yaml]) { harness in
            _ = try harness.store.createUser(User(
                name: "ana", role: .viewer, passwordHash: try await PasswordHasher.hash("correct horse battery"), createdAt: Date()))
            for secure in [false, true] {
                let router = buildRouter(engine: harness.engine, store: harness.store, credential: LocalCredential(token: "local"), secure: secure)
                try await Application(router: router).test(.router) { client in
                    let login = try await client.execute(
                        uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: #"{"name": "ana", "password": "correct horse battery"}"#))
                    let setCookie = try #require(login.headers[.setCookie])
                    #expect(setCookie.contains("; Secure") == secure, "\(setCookie)")
                    #expect((login.headers[.init("Strict-Transport-Security")!] != nil) == secure)
                }
            }
        }
    }

    @Test func sessionsEndWhenIdleTooLongOrTooOld() async throws {
        try await withAPI { client, harness in
            let user = try harness.store.createUser(User(
                name: "ana", role: .viewer, passwordHash: try await PasswordHasher.hash("correct horse battery"), createdAt: Date()))
            let now = Date()
            func session(created: TimeInterval, seen: TimeInterval) throws -> HTTPFields {
                let secret = SecretToken.generate()
                try harness.store.saveSession(Session(
                    digest: SecretToken.digest(secret), userID: user.id, csrfToken: "c", createdAt: now.addingTimeInterval(-created),
                    lastSeenAt: now.addingTimeInterval(-seen)))
                return [.cookie: "ao_session=\(secret)"]
            }
            let fresh = try await client.execute(uri: "/api/v1/runs", method: .get, headers: try session(created: 600, seen: 60))
            #expect(fresh.status == .ok)
            for (created, seen) in [(600.0, 31 * 60.0), (13 * 3600.0, 10.0)] {
                let expired = try await client.execute(uri: "/api/v1/runs", method: .get, headers: try session(created: created, seen: seen))
                #expect(expired.status == .unauthorized, "created \(created) s ago, seen \(seen) s ago")
                #expect(String(buffer: expired.body).contains("session_expired"))
            }
        }
    }
}
