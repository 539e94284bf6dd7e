public import Hummingbird
import Scheduler

/// The request context of every route: who is asking (set by `AuthenticationMiddleware`) and from where.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `nil` until authenticated.
    var principal: Principal?
    /// The session behind a panel request, whose CSRF token state-changing requests must echo.
    var session: Session?
    /// The signed-in user's password was chosen by somebody else: nothing but changing it is allowed.
    var mustChangePassword = false
    /// The peer's address, for the audit trail and login rate limits.
    let address: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The bodies the API accepts are small; anything bigger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The principal, when it may do `permission` (on `pipeline`); otherwise 401 or 403.
    func require(_ permission: Permission, on pipeline: PipelineID? = nil) throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        guard principal.may(permission, on: pipeline) else {
            let scope = pipeline.map { " on pipeline \"\($0)\"" } ?? ""
            throw APIError(
                status: .forbidden, code: "forbidden",
                message: "\(principal.name) (\(principal.role.rawValue)) may not \(permission.rawValue)\(scope)")
        }
        return principal
    }
}
