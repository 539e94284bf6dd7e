public import Hummingbird
import NIOCore
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
    /// The connection, whose closing ends the answers that stay open (live events, followed logs).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }

    /// The bodies the API accepts are small; anything bigger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The principal, when it may do `permission` on what `concern` names; otherwise 401 or 403.
    /// The default concerns the whole daemon, so a route that forgets its scope refuses scoped tokens.
    func require(_ permission: Permission, for concern: Principal.Concern = .everything) throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        guard principal.may(permission, for: concern) else {
            let message: String
            switch concern {
            case .pipeline(let pipeline) where principal.role.allows(permission):
                message = "\(principal.name) may not \(permission.rawValue) pipeline \"\(pipeline)\" (it is limited to \(Self.list(principal)))"
            case .everything where principal.role.allows(permission):
                message = "\(principal.name) is limited to \(Self.list(principal)); this covers every pipeline"
            case .pipeline(let pipeline):
                message = "\(principal.name) (\(principal.role.rawValue)) may not \(permission.rawValue) on pipeline \"\(pipeline)\""
            default:
                message = "\(principal.name) (\(principal.role.rawValue)) may not \(permission.rawValue)"
            }
            throw APIError(status: .forbidden, code: "forbidden", message: message)
        }
        return principal
    }

    /// Reading a run (its detail, its logs) concerns its pipeline. An unknown run is a 404 to anyone allowed to read.
    @discardableResult
    func requireRead(run: RunID, in store: Store) throws -> Principal {
        guard let pipeline = try store.pipeline(of: run) else {
            _ = try require(.read, for: .filtered)
            throw APIError.notFound("unknown run \(run)")
        }
        return try require(.read, for: .pipeline(pipeline))
    }

    private static func list(_ principal: Principal) -> String {
        let names = (principal.pipelines ?? []).map(\.rawValue).sorted()
        return names.isEmpty ? "no pipeline" : "pipelines " + names.joined(separator: ", ")
    }
}
