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

    /// Whether this principal may do `permission`, on `pipeline` when the action concerns one.
    public func may(_ permission: Permission, on pipeline: PipelineID? = nil) -> Bool {
        guard role.allows(permission) else { return false }
        guard let pipeline, let pipelines else { return true }
        return pipelines.contains(pipeline)
    }
}
