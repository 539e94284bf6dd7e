import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// Signing in as an attacker would try it: many guesses at once, odd paths, stale cookies, forms from other sites,
/// passwords bcrypt would cut short, names that are not names, tokens outliving their maker.
@Suite(.timeLimit(.minutes(2))) struct SignInTests {
    private func withAPI(secure: Bool = false, _ body: @escaping @Sendable (any TestClientProtocol, Store) async throws -> Void) async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let router = buildRouter(engine: harness.engine, store: harness.store, credential: LocalCredential(token: "local"), secure: secure)
            try await Application(router: router).test(.router) { client in try await body(client, harness.store) }
        }
    }

    private func login(_ client: any TestClientProtocol, _ name: String, _ password: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = headers[.contentType] ?? "application/json"
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "password": password])
        return try await client.execute(uri: "/api/v1/session", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    private func user(_ name: String, _ password: String, in store: Store, mustChange: Bool = false, role: Role = .operator) async throws {
        _ = try store.createUser(User(
            name: name, role: role, passwordHash: try await PasswordHasher.hash(password), createdAt: Date(), mustChangePassword: mustChange))
    }

    @Test func concurrentWrongPasswordsMeetTheLimitWithRetryAfter() async throws {
        try await withAPI { client, store in
            try await user("ana", "the right password", in: store)
            let statuses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<40 { group.addTask { try await login(client, "ana", "a wrong password") } }
                var responses: [TestResponse] = []
                for try await response in group { responses.append(response) }
                return responses
            }
            let refused = statuses.filter { $0.status.code == 429 }
            let wrong = statuses.filter { $0.status.code == 401 }
            #expect(wrong.count <= 5)
            #expect(refused.count >= 35)
            #expect(refused.allSatisfy { Int($0.headers[.retryAfter] ?? "") ?? 0 >= 1 })
            // Even the right password waits out the window now.
            #expect(try await login(client, "ana", "the right password").status == .tooManyRequests)
        }
    }

    @Test func oneAddressGuessingManyNamesMeetsItsOwnLimit() async throws {
        try await withAPI { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<35 { statuses.append(try await login(client, "user\(index)", "a wrong password").status) }
            #expect(statuses.prefix(30).allSatisfy { $0 == .unauthorized })
            #expect(statuses.suffix(5).allSatisfy { $0 == .tooManyRequests })
        }
    }

    @Test func anUnknownNameTakesABcryptCheckLikeAKnownOne() async throws {
        try await withAPI { client, store in
            try await user("ana", "the right password", in: store)
            _ = try await login(client, "nobody-here", "warm the dummy hash")
            let clock = ContinuousClock()
            let unknown = try await clock.measure { _ = try await login(client, "nobody-else", "a wrong password") }
            // bcrypt at cost 12 takes well over 50 ms; a lookup that skipped it would answer in a few.
            #expect(unknown > .milliseconds(50))
        }
    }

    @Test func doubledSlashesDoNotSkipTheForcedPasswordChange() async throws {
        try await withAPI { client, store in
            try await user("ana", "given by the admin", in: store, mustChange: true)
            let login = try await login(client, "ana", "given by the admin")
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            for path in ["/api/v1/runs", "//api/v1/runs", "/api//v1/runs", "/api/v1//runs/", "//metrics"] {
                let response = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
                #expect(response.status == .forbidden, "\(path)")
                #expect(String(buffer: response.body).contains("password_change_required"), "\(path)")
            }
        }
    }

    @Test func aStaleOrForeignCookieNeverBlocksASignIn() async throws {
        try await withAPI { client, store in
            try await user("ana", "the right password", in: store)
            for cookie in ["ao_session=stale-or-made-up", "ao_session=", "ao_session=\(String(repeating: "x", count: 2000))"] {
                #expect(try await login(client, "ana", "the right password", headers: [.cookie: cookie]).status == .ok, "\(cookie.prefix(20))")
            }
        }
    }

    @Test func signInTakesJSONOnly() async throws {
        try await withAPI { client, store in
            try await user("ana", "the right password", in: store)
            for type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
                let response = try await login(client, "ana", "the right password", headers: [.contentType: type])
                #expect(response.status == .unsupportedMediaType, "\(type)")
            }
        }
    }

    @Test func passwordsBcryptWouldCutShortAreRefused() async throws {
        try await withAPI { client, store in
            let headers: HTTPFields = [.authorization: "Bearer local", .contentType: "application/json"]
            for password in [String(repeating: "a", count: 73), String(repeating: "é", count: 37), "twelve chars\u{0}then more"] {
                let body = try JSONSerialization.data(withJSONObject: ["name": "bea", "role": "viewer", "password": password])
                let response = try await client.execute(uri: "/api/v1/users", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(response.status == .unprocessableContent)
            }
            #expect(try store.user(named: "bea") == nil)
            // A password stored before the rule cannot be matched by its first 72 bytes and anything after.
            let long = String(repeating: "b", count: 72)
            try await user("old", long, in: store)
            #expect(try await login(client, "old", long + "anything").status == .unauthorized)
        }
    }

    @Test func namesAreValidatedAndPathSegmentsDecoded() async throws {
        try await withAPI { client, store in
            let headers: HTTPFields = [.authorization: "Bearer local", .contentType: "application/json"]
            func create(_ name: String) async throws -> HTTPResponse.Status {
                let body = try JSONSerialization.data(withJSONObject: ["name": name, "role": "viewer", "password": "a long enough password"])
                return try await client.execute(uri: "/api/v1/users", method: .post, headers: headers, body: ByteBuffer(bytes: body)).status
            }
            for bad in ["", "local admin", "two\nlines", String(repeating: "n", count: 5000), "token ci", "-dash"] {
                #expect(try await create(bad) == .unprocessableContent, "\(bad.prefix(20))")
            }
            #expect(try await create("ana@example.org") == .created)
            let patched = try await client.execute(
                uri: "/api/v1/users/ana%40example.org", method: .patch, headers: headers, body: ByteBuffer(string: #"{"disabled": true}"#))
            #expect(patched.status == .ok)
            #expect(try store.user(named: "ana@example.org")?.disabled == true)

            func token(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: body)).status
            }
            #expect(try await token(#"{"name": "", "role": "viewer"}"#) == .unprocessableContent)
            #expect(try await token(#"{"name": "ci\nline", "role": "viewer"}"#) == .unprocessableContent)
            #expect(try await token(#"{"name": "ci", "role": "viewer", "pipelines": []}"#) == .unprocessableContent)
            #expect(try await token(#"{"name": "ci", "role": "viewer", "pipelines": ["no such/id"]}"#) == .unprocessableContent)
            #expect(try await token(#"{"name": "ci deploy", "role": "viewer", "pipelines": ["p"]}"#) == .created)
        }
    }

    @Test func tokensExpireByDefaultAndStopWithTheirCreator() async throws {
        try await withAPI { client, store in
            try await user("root", "root's long phrase", in: store, role: .admin)
            let login = try await login(client, "root", "root's long phrase")
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            let csrf = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: login.body).utf8)) as? [String: Any])["csrfToken"] as? String
            var session: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            session[.init("X-CSRF-Token")!] = csrf
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: session, body: ByteBuffer(string: #"{"name": "ci", "role": "operator"}"#))
            let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: created.body).utf8)) as? [String: Any])
            let secret = try #require(body["token"] as? String)
            let expiresText = try #require(body["expiresAt"] as? String)
            let expires = try #require(RFC3339.parse(expiresText))
            #expect(abs(expires.timeIntervalSinceNow - 90 * 86400) < 60)

            let bearer: HTTPFields = [.authorization: "Bearer \(secret)"]
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: bearer).status == .ok)
            var root = try #require(try store.user(named: "root"))
            _ = try store.createUser(User(name: "other-admin", role: .admin, passwordHash: "x", createdAt: Date()))
            root.disabled = true
            _ = try store.updateUser(root)
            #expect(try await client.execute(uri: "/api/v1/runs", method: .get, headers: bearer).status == .unauthorized)
        }
    }

    @Test func underTLSTheCookieIsAHostCookie() async throws {
        try await withAPI(secure: true) { client, store in
            try await user("ana", "the right password", in: store)
            let response = try await login(client, "ana", "the right password")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.hasPrefix("__Host-ao_session="))
            #expect(setCookie.contains("Secure") && setCookie.contains("Path=/") && !setCookie.contains("Domain"))
            let cookie = String(setCookie.split(separator: ";")[0])
            #expect(try await client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie]).status == .ok)
        }
    }
}
