import Foundation
import Hummingbird
import Scheduler

/// Users and API tokens: admins only. A token's secret is shown once, at creation.
struct AccountsController: Sendable {
    typealias Context = AppRequestContext
    let store: Store
    let audit: AuditRecorder

    struct UserBody: Decodable {
        let name: String
        let role: Role
        let password: String
    }

    struct UserView: ResponseEncodable {
        let name: String
        let role: String
        let disabled: Bool
        let mustChangePassword: Bool

        init(_ user: User) {
            name = user.name
            role = user.role.rawValue
            disabled = user.disabled
            mustChangePassword = user.mustChangePassword
        }
    }

    /// What an admin may change about a user; absent fields stay as they are.
    struct UserChange: Decodable {
        let role: Role?
        let disabled: Bool?
        /// A password the user must change at their next sign-in.
        let password: String?
    }

    struct TokenBody: Decodable {
        let name: String
        let role: Role
        let pipelines: [String]?
        let expiresInDays: Int?
    }

    struct TokenView: ResponseEncodable {
        let id: Int64
        let name: String
        let role: String
        let pipelines: [String]?
        let expiresAt: String?
        let revoked: Bool
        /// Only in the answer to the creation.
        let token: String?

        init(_ token: APIToken, secret: String? = nil) {
            id = token.id
            name = token.name
            role = token.role.rawValue
            pipelines = token.pipelines?.map(\.rawValue)
            expiresAt = token.expiresAt.map(rfc3339)
            revoked = token.revokedAt != nil
            self.token = secret
        }
    }

    struct Listing<Item: Encodable & Sendable>: ResponseEncodable {
        let items: [Item]
    }

    /// Tokens expire: 90 days unless the request says otherwise (1 to 3650).
    static let defaultTokenDays = 90

    func register(on group: RouterGroup<Context>) {
        group.get("users") { _, context in
            _ = try context.require(.administer)
            return Listing(items: try store.users().map(UserView.init))
        }
        group.post("users") { request, context in try await createUser(request, context) }
        group.patch("users/:name") { request, context in try await changeUser(request, context) }
        group.get("tokens") { _, context in
            _ = try context.require(.administer)
            return Listing(items: try store.tokens().map { TokenView($0) })
        }
        group.post("tokens") { request, context in try await createToken(request, context) }
        group.delete("tokens/:id") { _, context in try await revokeToken(context) }
    }

    private func createUser(_ request: Request, _ context: Context) async throws -> Response {
        try await audit.guarded("user.create", target: "a new user", .administer, context) { _, record in
            let body = try await request.decodeBody(UserBody.self, context: context, shape: "a JSON object with \"name\", \"role\" and \"password\"")
            if let problem = AccountNames.problem(withUser: body.name) { throw APIError(status: .unprocessableContent, code: "bad_name", message: problem) }
            record.describe("user \(body.name) (role \(body.role.rawValue))")
            try PasswordRules.check(body.password)
            guard try store.user(named: body.name) == nil else {
                throw APIError(status: .conflict, code: "conflict", message: "user \"\(body.name)\" exists")
            }
            let user = try store.createUser(User(
                name: body.name, role: body.role, passwordHash: try await PasswordHasher.hash(body.password), createdAt: Date(),
                mustChangePassword: true), audit: record)
            return try UserView(user).response(from: request, context: context).with(status: .created)
        }
    }

    /// An admin changes a user's role, disables or enables it, or sets a password it must change;
    /// the user's sessions end. The last enabled admin cannot be demoted or disabled.
    private func changeUser(_ request: Request, _ context: Context) async throws -> Response {
        // Path segments arrive percent-encoded; an invalid name cannot be a user's (and is not written to the trail).
        let raw = context.parameters.get("name") ?? ""
        let decoded = raw.removingPercentEncoding ?? raw
        let name = AccountNames.problem(withUser: decoded) == nil ? decoded : "(invalid name)"
        return try await audit.guarded("user.update", target: "user \(name)", .administer, context) { _, record in
            let change = try await request.decodeBody(
                UserChange.self, context: context, shape: "a JSON object with any of \"role\", \"disabled\" and \"password\"")
            guard var user = try store.user(named: name) else { throw APIError.notFound("unknown user \(name)") }
            record.describe("user \(name): " + Self.describe(change, of: user))
            user.role = change.role ?? user.role
            user.disabled = change.disabled ?? user.disabled
            if let password = change.password {
                try PasswordRules.check(password)
                user.passwordHash = try await PasswordHasher.hash(password)
                user.mustChangePassword = true
            }
            switch try store.updateUser(user, audit: record) {
            case .updated: return try UserView(user).response(from: request, context: context)
            case .unknownUser: throw APIError.notFound("unknown user \(name)")
            case .lastAdmin: throw APIError(status: .conflict, code: "conflict", message: "\(name) is the last enabled admin")
            }
        }
    }

    /// A scoped admin token may mint tokens, never one wider than itself (in role or pipelines).
    /// What a change does to a user, for the audit trail: "role viewer → operator; disabled; password reset".
    private static func describe(_ change: UserChange, of user: User) -> String {
        var parts: [String] = []
        if let role = change.role, role != user.role { parts.append("role \(user.role.rawValue) → \(role.rawValue)") }
        if let disabled = change.disabled, disabled != user.disabled { parts.append(disabled ? "disabled" : "enabled") }
        if change.password != nil { parts.append("password reset") }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }

    private func createToken(_ request: Request, _ context: Context) async throws -> Response {
        try await audit.guarded("token.create", target: "a new token", .administer, for: .filtered, context) { principal, record in
            let body = try await request.decodeBody(TokenBody.self, context: context, shape: "a JSON object with \"name\", \"role\", optional \"pipelines\" and \"expiresInDays\"")
            if let days = body.expiresInDays, !(1...3650).contains(days) {
                throw APIError.badRequest("expiresInDays must be 1 to 3650")
            }
            if let problem = AccountNames.problem(withToken: body.name) ?? body.pipelines.flatMap(AccountNames.problem(withScope:)) {
                throw APIError(status: .unprocessableContent, code: "bad_name", message: problem)
            }
            let expiresInDays = body.expiresInDays ?? Self.defaultTokenDays
            record.describe(
                "\"\(body.name)\" (role \(body.role.rawValue), pipelines \(body.pipelines?.joined(separator: ", ") ?? "all"), \(expiresInDays) days)")
            guard principal.covers(role: body.role, pipelines: body.pipelines.map { Set($0.map { PipelineID($0) }) }) else {
                throw APIError(
                    status: .forbidden, code: "forbidden",
                    message: "\(principal.name) may not create a token wider than itself (role or pipelines)")
            }
            let secret = SecretToken.generate(prefix: "ao_")
            let now = Date()
            let token = try store.createToken(APIToken(
                name: body.name, digest: SecretToken.digest(secret), role: body.role, pipelines: body.pipelines?.map { PipelineID($0) },
                createdBy: principal.name, createdAt: now,
                expiresAt: now.addingTimeInterval(Double(expiresInDays) * 86400)), audit: record)
            return try TokenView(token, secret: secret).response(from: request, context: context).with(status: .created)
        }
    }

    private func revokeToken(_ context: Context) async throws -> Response {
        let id = context.parameters.get("id", as: Int64.self) ?? -1
        return try await audit.guarded("token.revoke", target: "token \(id)", .administer, context) { _, record in
            if let token = try store.tokens().first(where: { $0.id == id }) {
                record.describe(
                    "token \(id) \"\(token.name)\" (role \(token.role.rawValue), pipelines \(token.pipelines?.map(\.rawValue).joined(separator: ", ") ?? "all"))")
            }
            guard try store.revokeToken(id: id, at: Date(), audit: record) else { throw APIError.notFound("unknown token \(id)") }
            return Response(status: .noContent)
        }
    }
}
