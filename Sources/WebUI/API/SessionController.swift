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
    }

    func register(on group: RouterGroup<Context>) {
        group.post("session") { request, context in try await login(request, context) }
        group.get("session") { _, context in
            let principal = try context.require(.read)
            return SessionView(name: principal.name, role: principal.role.rawValue, csrfToken: context.session?.csrfToken)
        }
        group.delete("session") { _, context in try await logout(context) }
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
            var response = try SessionView(name: user.name, role: user.role.rawValue, csrfToken: session.csrfToken)
                .response(from: request, context: context)
            response.setCookie(try Cookie.validated(
                name: AuthenticationMiddleware.cookieName, value: secret, maxAge: Int(AuthenticationMiddleware.absoluteTimeout), path: "/",
                secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
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
