import Foundation
import Hummingbird
import Scheduler

/// Finds out who is asking: `Authorization: Bearer` with an API token or the local
/// credential, or the panel's session cookie. A credential that is presented but
/// wrong is refused at once (401); no credential leaves the request anonymous, and
/// each route says what it requires. A session's state-changing requests must
/// echo its CSRF token in `X-CSRF-Token`. Refused state-changing requests are audited.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// A session unused this long ends; so does any session this old.
    static let idleTimeout: TimeInterval = 30 * 60
    static let absoluteTimeout: TimeInterval = 12 * 3600

    let store: Store
    let credential: LocalCredential
    let audit: AuditRecorder
    /// Under TLS the session cookie has its `__Host-` name.
    let secure: Bool

    /// A refusal, with whoever was identified before it (a session without its CSRF token).
    private struct Refusal: Error {
        let error: APIError
        var principal: Principal?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authenticated: Context
        do {
            authenticated = try authenticate(request, context)
        } catch let refusal as Refusal {
            if request.method != .get, request.method != .head {
                var refused = context
                refused.principal = refusal.principal
                audit.refused("\(request.method.rawValue) \(request.uri.path)", target: request.uri.path, context: refused, error: refusal.error)
            }
            throw refusal.error
        }
        if authenticated.mustChangePassword, !Self.allowedBeforePasswordChange(request.method, Self.routedPath(request)) {
            let error = APIError(
                status: .forbidden, code: "password_change_required",
                message: "this password was set for you: change it first (POST /api/v1/session/password)")
            if request.method != .get, request.method != .head {
                audit.refused("\(request.method.rawValue) \(request.uri.path)", target: request.uri.path, context: authenticated, error: error)
            }
            throw error
        }
        return try await next(request, authenticated)
    }

    /// What a user whose password must change may still do: see who they are, sign out, change it; and load the
    /// panel's files, which hold no data.
    private static func allowedBeforePasswordChange(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        switch (method, path) {
        case (.get, "/api/v1/session"), (.delete, "/api/v1/session"), (.post, "/api/v1/session/password"): true
        default: !path.hasPrefix("/api/") && path != "/metrics"
        }
    }

    /// The path as the router matches it: empty segments do not count (`//api/v1//runs` is `/api/v1/runs`), so a
    /// check on the path sees what the router will route.
    static func routedPath(_ request: Request) -> String {
        "/" + request.uri.path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    private func authenticate(_ request: Request, _ context: Context) throws -> Context {
        var context = context
        if let header = request.headers[.authorization] {
            context.principal = try principal(bearer: header)
        } else if let cookie = request.cookies[SessionCookie.name(secure: secure)],
            !(request.method == .post && Self.routedPath(request) == "/api/v1/session")
        {
            // (Signing in never depends on the cookie the browser still holds: a stale one must not block it.)
            let (principal, session, mustChangePassword) = try sessionPrincipal(cookie.value)
            context.principal = principal
            context.session = session
            context.mustChangePassword = mustChangePassword
            if request.method != .get, request.method != .head, request.headers[.init("X-CSRF-Token")!] != session.csrfToken {
                throw Refusal(
                    error: APIError(status: .forbidden, code: "csrf", message: "missing or wrong X-CSRF-Token for this session"),
                    principal: principal)
            }
        }
        return context
    }

    private func principal(bearer header: String) throws -> Principal {
        guard header.hasPrefix("Bearer ") else { throw Refusal(error: .unauthorized) }
        let secret = String(header.dropFirst("Bearer ".count))
        if credential.matches(secret) { return Principal(name: "local admin", role: .admin, kind: .local) }
        guard let token = try store.token(digest: SecretToken.digest(secret)), token.isValid(at: Date()), try creatorIsEnabled(token) else {
            throw Refusal(error: APIError(
                status: .unauthorized, code: "unauthorized", message: "this token is unknown, revoked, expired, or its creator is disabled"))
        }
        return Principal(name: "token \(token.name)", role: token.role, kind: .apiToken(id: token.id), pipelines: token.pipelines.map(Set.init))
    }

    /// A token made by a user stops with that user's account: disabling someone disables what they handed out.
    /// (Tokens made by the local credential or by another token name no user: user names hold no space.)
    private func creatorIsEnabled(_ token: APIToken) throws -> Bool {
        guard AccountNames.problem(withUser: token.createdBy) == nil, let creator = try store.user(named: token.createdBy) else { return true }
        return !creator.disabled
    }

    private func sessionPrincipal(_ cookie: String) throws -> (Principal, Session, mustChangePassword: Bool) {
        let now = Date()
        guard var session = try store.session(digest: SecretToken.digest(cookie)),
            now.timeIntervalSince(session.lastSeenAt) < Self.idleTimeout,
            now.timeIntervalSince(session.createdAt) < Self.absoluteTimeout,
            let user = try store.user(id: session.userID), !user.disabled
        else { throw Refusal(error: APIError(status: .unauthorized, code: "session_expired", message: "the session has ended; sign in again")) }
        // Recorded at most once a minute, so that reading pages does not write on every request.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            session.lastSeenAt = now
            try store.saveSession(session)
        }
        return (Principal(name: user.name, role: user.role, kind: .user), session, user.mustChangePassword)
    }
}
