/// What a person or token may do. Roles are fixed; each grants a set of permissions.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads pipelines, runs and logs.
    case viewer
    /// A viewer who also triggers, reruns, cancels, marks, backfills and pauses.
    case `operator`
    /// Everything, users and tokens included.
    case admin
    /// A viewer who also reads and exports the audit trail.
    case auditor

    public func allows(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _): true
        case (_, .read): true
        case (.operator, .operate): true
        case (.auditor, .audit): true
        default: false
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether everything `other` may do, this role may do too.
    public func includes(_ other: Role) -> Bool {
        Permission.allCases.allSatisfy { !other.allows($0) || allows($0) }
    }
}

/// A kind of action, checked against a role.
public enum Permission: String, Sendable, CaseIterable {
    case read, operate, administer, audit
}

/// Who is acting: a user (panel session), an API token, or the daemon's local credential.
public struct Principal: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case user
        case apiToken(id: Int64)
        case local
    }

    public let name: String
    public let role: Role
    public let kind: Kind
    /// Pipelines an API token is limited to; `nil` means all.
    public let pipelines: Set<PipelineID>?

    public init(name: String, role: Role, kind: Kind, pipelines: Set<PipelineID>? = nil) {
        self.name = name
        self.role = role
        self.kind = kind
        self.pipelines = pipelines
    }

    /// What an action concerns, for a principal limited to some pipelines.
    public enum Concern: Sendable, Equatable {
        /// One pipeline (its definition, a run of it, a log of it).
        case pipeline(PipelineID)
        /// The daemon as a whole (metrics, the audit trail, users): only unscoped principals.
        case everything
        /// A list the route narrows to the principal's pipelines itself.
        case filtered
    }

    /// Whether this principal is limited to some pipelines.
    public var isScoped: Bool { pipelines != nil }

    /// Whether this principal may do `permission` on what `concern` names. Anything not shown to lie within a
    /// scoped principal's pipelines is refused (fail closed).
    public func may(_ permission: Permission, for concern: Concern) -> Bool {
        guard role.allows(permission) else { return false }
        guard let pipelines else { return true }
        switch concern {
        case .pipeline(let pipeline): return pipelines.contains(pipeline)
        case .everything: return false
        case .filtered: return true
        }
    }

    /// Whether this principal may see `pipeline` (in a list it reads).
    public func sees(_ pipeline: PipelineID) -> Bool { pipelines?.contains(pipeline) ?? true }

    /// Whether a credential with `role` and `pipelines` (`nil`: all) stays within what this principal may do,
    /// so that nobody mints a token wider than themselves.
    public func covers(role other: Role, pipelines others: Set<PipelineID>?) -> Bool {
        guard role.includes(other) else { return false }
        guard let pipelines else { return true }
        guard let others else { return false }
        return others.isSubset(of: pipelines)
    }
}
