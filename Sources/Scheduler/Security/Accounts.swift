public import Foundation

/// A person who signs in to the panel.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// A bcrypt hash; the password itself is never stored.
    public var passwordHash: String
    public var createdAt: Date
    public var disabled: Bool
    /// Set for a password somebody else chose (the first admin's one-time password, an admin's reset):
    /// the user may do nothing but change it.
    public var mustChangePassword: Bool

    public init(
        id: Int64 = 0, name: String, role: Role, passwordHash: String, createdAt: Date, disabled: Bool = false, mustChangePassword: Bool = false
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabled = disabled
        self.mustChangePassword = mustChangePassword
    }
}

/// A signed-in panel session; the store keeps only the digest of its cookie.
public struct Session: Sendable, Equatable {
    public var digest: String
    public var userID: Int64
    /// Sent back by the panel on every state-changing request.
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date

    public init(digest: String, userID: Int64, csrfToken: String, createdAt: Date, lastSeenAt: Date) {
        self.digest = digest
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// A token for CI and scripts, scoped to a role and optionally to pipelines; shown once, stored as a digest.
public struct APIToken: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var digest: String
    public var role: Role
    /// `nil`: every pipeline.
    public var pipelines: [PipelineID]?
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: Int64 = 0, name: String, digest: String, role: Role, pipelines: [PipelineID]? = nil, createdBy: String,
        createdAt: Date, expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.digest = digest
        self.role = role
        self.pipelines = pipelines
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used at `now`.
    public func isValid(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

/// One entry of the audit trail: who did what to what, when, from where, and how it ended.
public struct AuditEvent: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var role: String
    public var action: String
    public var target: String
    public var address: String
    public var outcome: String
    /// SHA-256 over the previous entry's hash and this entry's fields: editing or deleting
    /// any entry breaks every hash after it.
    public var hash: String

    public init(
        id: Int64 = 0, at: Date, actor: String, role: String, action: String, target: String, address: String, outcome: String,
        hash: String = ""
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.role = role
        self.action = action
        self.target = target
        self.address = address
        self.outcome = outcome
        self.hash = hash
    }
}
