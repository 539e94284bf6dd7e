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

    private func login(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(LoginBody.self, context: context, shape: "a JSON object with \"name\" and \"password\"")
        return try await audit.record("session.login", target: "user \(body.name)", by: nil, actor: body.name, context: context) {
            if let wait = await limiter.retryAfter(user: body.name, address: context.address) {
                throw APIError(status: .tooManyRequests, code: "too_many_attempts", message: "too many failed sign-ins; try again in \(wait) s")
            }
            guard let user = try store.user(named: body.name), !user.disabled,
                try await PasswordHasher.verify(body.password, against: user.passwordHash)
            else {
                await limiter.recordFailure(user: body.name, address: context.address)
                throw APIError(status: .unauthorized, code: "bad_credentials", message: "wrong name or password")
            }
            await limiter.recordSuccess(user: body.name, address: context.address)
            let secret = SecretToken.generate()
            let now = Date()
            let session = Session(digest: SecretToken.digest(secret), userID: user.id, csrfToken: SecretToken.generate(), createdAt: now, lastSeenAt: now)
            try store.saveSession(session)
            var response = try SessionView(
                name: user.name, role: user.role.rawValue, csrfToken: session.csrfToken, mustChangePassword: user.mustChangePassword
            ).response(from: request, context: context)
            response.setCookie(try Cookie.validated(
                name: AuthenticationMiddleware.cookieName, value: secret, maxAge: Int(AuthenticationMiddleware.absoluteTimeout), path: "/",
                secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// A signed-in user changes their own password, proving the current one; their other sessions end.
    private func changePassword(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(PasswordBody.self, context: context, shape: "a JSON object with \"current\" and \"new\"")
        guard let principal = context.principal, let session = context.session, principal.kind == .user else {
            throw context.principal == nil
                ? APIError.unauthorized
                : APIError(status: .forbidden, code: "forbidden", message: "only a user signed in to the panel has a password to change")
        }
        return try await audit.record("user.password", target: "user \(principal.name)", by: principal, context: context) {
            if let wait = await limiter.retryAfter(user: principal.name, address: context.address) {
                throw APIError(status: .tooManyRequests, code: "too_many_attempts", message: "too many wrong passwords; try again in \(wait) s")
            }
            guard var user = try store.user(named: principal.name), try await PasswordHasher.verify(body.current, against: user.passwordHash) else {
                await limiter.recordFailure(user: principal.name, address: context.address)
                throw APIError(status: .unprocessableContent, code: "bad_password", message: "the current password is wrong")
            }
            try PasswordRules.check(body.new, replacing: body.current)
            user.passwordHash = try await PasswordHasher.hash(body.new)
            user.mustChangePassword = false
            _ = try store.updateUser(user, keeping: session.digest)
            return Response(status: .noContent)
        }
    }

    private func logout(_ context: Context) async throws -> Response {
        guard let session = context.session else { throw APIError.unauthorized }
        return try await audit.record("session.logout", target: "session", by: context.principal, context: context) {
            try store.deleteSession(digest: session.digest)
            var response = Response(status: .noContent)
            response.setCookie(try Cookie.validated(
                name: AuthenticationMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }
}
