import Foundation
import Hummingbird
import Scheduler

/// Panel sign-in and sign-out: `/api/v1/session`.
struct SessionController: Sendable {
    typealias Context = AppRequestContext
    let store: Store
    let audit: AuditRecorder
    /// Under TLS: the cookie is sent over HTTPS only.
    let secureCookies: Bool
    let limiter = LoginLimiter()

    struct LoginBody: Decodable {
        let name: String
        let password: String
    }

    struct SessionView: ResponseEncodable {
        let name: String
        let role: String
        /// Echo it in `X-CSRF-Token` on every state-changing request of this session.
        let csrfToken: String?
        /// The password was set by somebody else; until it is changed, nothing else is allowed.
        var mustChangePassword = false
    }

    struct PasswordBody: Decodable {
        let current: String
        let new: String
    }

    func register(on group: RouterGroup<Context>) {
        group.post("session") { request, context in try await login(request, context) }
        group.get("session") { _, context in
            let principal = try context.require(.read, for: .filtered)
            return SessionView(
                name: principal.name, role: principal.role.rawValue, csrfToken: context.session?.csrfToken,
                mustChangePassword: context.mustChangePassword)
        }
        group.delete("session") { _, context in try await logout(context) }
        group.post("session/password") { request, context in try await changePassword(request, context) }
    }

    /// Signs in. Wrong name or password answer alike and take alike (an unknown name is checked against a dummy
    /// hash); the attempt counts against the limits before the password is checked; only JSON is accepted, so
    /// that no cross-site form can post here; a session cookie the browser still holds is ignored.
    private func login(_ request: Request, _ context: Context) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "sign in with a JSON body (Content-Type: application/json)")
        }
        let body = try await request.decodeBody(LoginBody.self, context: context, shape: "a JSON object with \"name\" and \"password\"")
        // Only a valid name reaches the trail and the limiter: what an anonymous client can make the daemon keep is bounded.
        let validName = AccountNames.problem(withUser: body.name) == nil
        let name = validName ? body.name : "(invalid name)"
        return try await audit.record("session.login", target: "user \(name)", by: nil, actor: name, context: context) { record in
            guard validName else { throw Self.badCredentials }
            guard let user = try await limitedCheck(name, body.password, from: context.address, refusal: "too many sign-ins") else {
                throw Self.badCredentials
            }
            return try startSession(for: user, request, context, audit: record)
        }
    }

    private static let badCredentials = APIError(status: .unauthorized, code: "bad_credentials", message: "wrong name or password")

    /// A password check under the sign-in limits: counted before bcrypt runs (429 past the limits), taken back
    /// when it succeeds. Returns the user when `password` is theirs.
    private func limitedCheck(_ name: String, _ password: String, from address: String, refusal: String) async throws -> User? {
        if let wait = await limiter.admit(user: name, address: address) {
            throw APIError.tooManyAttempts(refusal, retryAfter: wait)
        }
        let user: User?
        do {
            user = try await verifiedUser(name, password)
        } catch {
            await limiter.settle(user: name, address: address, succeeded: false)
            throw error
        }
        await limiter.settle(user: name, address: address, succeeded: user != nil)
        return user
    }

    /// The enabled user `name` when `password` is theirs. Takes one bcrypt check whether or not the user exists.
    private func verifiedUser(_ name: String, _ password: String) async throws -> User? {
        let user = try store.user(named: name)
        let matches = try await PasswordHasher.verify(password, against: user?.passwordHash)
        guard let user, matches, !user.disabled, PasswordRules.fitsBcrypt(password) else { return nil }
        return user
    }

    /// A new session for `user`: its cookie and, in the body, its CSRF token.
    private func startSession(
        for user: User, _ request: Request, _ context: Context, replacing old: Session? = nil, audit: AuditRecord? = nil
    ) throws -> Response {
        let secret = SecretToken.generate()
        let now = Date()
        let session = Session(digest: SecretToken.digest(secret), userID: user.id, csrfToken: SecretToken.generate(), createdAt: now, lastSeenAt: now)
        try store.saveSession(session, audit: audit)
        if let old { try store.deleteSession(digest: old.digest) }
        var response = try SessionView(
            name: user.name, role: user.role.rawValue, csrfToken: session.csrfToken, mustChangePassword: user.mustChangePassword
        ).response(from: request, context: context)
        response.setCookie(try Cookie.validated(
            name: SessionCookie.name(secure: secureCookies), value: secret, maxAge: Int(AuthenticationMiddleware.absoluteTimeout), path: "/",
            secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// A signed-in user changes their own password, proving the current one. Every session of theirs ends,
    /// this one included: the answer carries a new session (cookie and CSRF token), so a stolen cookie dies here.
    private func changePassword(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(PasswordBody.self, context: context, shape: "a JSON object with \"current\" and \"new\"")
        guard let principal = context.principal, let session = context.session, principal.kind == .user else {
            throw context.principal == nil
                ? APIError.unauthorized
                : APIError(status: .forbidden, code: "forbidden", message: "only a user signed in to the panel has a password to change")
        }
        return try await audit.record("user.password", target: "user \(principal.name)", by: principal, context: context) { record in
            guard var user = try await limitedCheck(principal.name, body.current, from: context.address, refusal: "too many wrong passwords")
            else {
                throw APIError(status: .unprocessableContent, code: "bad_password", message: "the current password is wrong")
            }
            try PasswordRules.check(body.new, replacing: body.current)
            user.passwordHash = try await PasswordHasher.hash(body.new)
            user.mustChangePassword = false
            _ = try store.updateUser(user, keeping: session.digest, audit: record)
            return try startSession(for: user, request, context, replacing: session)
        }
    }

    private func logout(_ context: Context) async throws -> Response {
        guard let session = context.session else { throw APIError.unauthorized }
        return try await audit.record("session.logout", target: "session", by: context.principal, context: context) { record in
            try store.deleteSession(digest: session.digest, audit: record)
            var response = Response(status: .noContent)
            response.setCookie(try Cookie.validated(
                name: SessionCookie.name(secure: secureCookies), value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }
}
