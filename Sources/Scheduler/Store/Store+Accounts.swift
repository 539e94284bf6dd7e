public import Foundation
import GRDB

// MARK: - Accounts: users, sessions, API tokens

extension Store {
    /// Adds a user; returns it with its id. A taken name is a `StoreError` (SQLite's UNIQUE constraint).
    public func createUser(_ user: User, audit: AuditRecord? = nil) throws(StoreError) -> User {
        try write("create user \(user.name)", audit: audit) { db in
            try db.execute(
                sql: "INSERT INTO user (name, role, passwordHash, createdAt, disabled, mustChangePassword) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    user.name, user.role.rawValue, user.passwordHash, user.createdAt.timeIntervalSince1970, user.disabled, user.mustChangePassword,
                ])
            var created = user
            created.id = db.lastInsertedRowID
            return created
        }
    }

    public func user(named name: String) throws(StoreError) -> User? {
        try read("user \(name)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE name = ?", arguments: [name]).map(User.init(row:))
        }
    }

    public func user(id: Int64) throws(StoreError) -> User? {
        try read("user \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id]).map(User.init(row:))
        }
    }

    /// What `updateUser` did.
    public enum UserUpdate: Sendable {
        case updated
        case unknownUser
        /// Refused: no enabled admin would be left.
        case lastAdmin
    }

    /// Saves a user's role, password and flags, in one transaction that also makes sure an enabled
    /// admin remains (two admins demoting each other at once cannot both succeed). A new password,
    /// a new role or disabling ends the user's sessions but `keeping` (the one that changed its own
    /// password), so that nobody stays signed in on the strength of what was changed.
    /// A refused update (unknown user, last admin) writes nothing, its audit record included.
    public func updateUser(_ user: User, keeping session: String? = nil, audit: AuditRecord? = nil) throws(StoreError) -> UserUpdate {
        let outcome = try write("update user \(user.name)") { db -> UserUpdate in
            guard let old = try Row.fetchOne(db, sql: "SELECT * FROM user WHERE id = ?", arguments: [user.id]).map(User.init(row:)) else {
                return .unknownUser
            }
            if old.role == .admin, !old.disabled, user.role != .admin || user.disabled {
                let others = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM user WHERE role = 'admin' AND disabled = 0 AND id != ?", arguments: [user.id]) ?? 0
                if others == 0 { return .lastAdmin }
            }
            try db.execute(
                sql: "UPDATE user SET role = ?, passwordHash = ?, disabled = ?, mustChangePassword = ? WHERE id = ?",
                arguments: [user.role.rawValue, user.passwordHash, user.disabled, user.mustChangePassword, user.id])
            if old.passwordHash != user.passwordHash || old.role != user.role || user.disabled {
                try db.execute(sql: "DELETE FROM session WHERE userID = ? AND digest IS NOT ?", arguments: [user.id, session])
            }
            if let audit { try Self.insertAudit(audit.event, in: db) }
            return .updated
        }
        if case .updated = outcome { audit?.markWritten() }
        return outcome
    }

    public func users() throws(StoreError) -> [User] {
        try read("users") { db in try Row.fetchAll(db, sql: "SELECT * FROM user ORDER BY name").map(User.init(row:)) }
    }

    public func userCount() throws(StoreError) -> Int {
        try read("the number of users") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user") ?? 0 }
    }

    public func saveSession(_ session: Session, audit: AuditRecord? = nil) throws(StoreError) {
        try write("record a session", audit: audit) { db in
            try db.execute(
                sql: """
                    INSERT INTO session (digest, userID, csrfToken, createdAt, lastSeenAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(digest) DO UPDATE SET lastSeenAt = excluded.lastSeenAt
                    """,
                arguments: [session.digest, session.userID, session.csrfToken, session.createdAt.timeIntervalSince1970,
                            session.lastSeenAt.timeIntervalSince1970])
        }
    }

    public func session(digest: String) throws(StoreError) -> Session? {
        try read("a session") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE digest = ?", arguments: [digest]).map(Session.init(row:))
        }
    }

    /// Ends sessions created before `cutoff` (past their absolute lifetime); returns how many.
    @discardableResult
    public func deleteSessions(createdBefore cutoff: Date) throws(StoreError) -> Int {
        try write("delete old sessions") { db in
            try db.execute(sql: "DELETE FROM session WHERE createdAt < ?", arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func deleteSession(digest: String, audit: AuditRecord? = nil) throws(StoreError) {
        try write("end a session", audit: audit) { db in try db.execute(sql: "DELETE FROM session WHERE digest = ?", arguments: [digest]) }
    }

    /// Adds an API token; returns it with its id. Its audit entry's target is prefixed with that id ("token 7 …").
    public func createToken(_ token: APIToken, audit: AuditRecord? = nil) throws(StoreError) -> APIToken {
        let created = try write("create API token \(token.name)") { db in
            try db.execute(
                sql: """
                    INSERT INTO apiToken (name, digest, role, pipelines, createdBy, createdAt, expiresAt, revokedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [token.name, token.digest, token.role.rawValue, token.pipelines.map { $0.map(\.rawValue).joined(separator: ",") },
                            token.createdBy, token.createdAt.timeIntervalSince1970, token.expiresAt?.timeIntervalSince1970,
                            token.revokedAt?.timeIntervalSince1970])
            var created = token
            created.id = db.lastInsertedRowID
            if let audit {
                var event = audit.event
                event.target = "token \(created.id) \(event.target)"
                try Self.insertAudit(event, in: db)
            }
            return created
        }
        audit?.markWritten()
        return created
    }

    public func token(digest: String) throws(StoreError) -> APIToken? {
        try read("an API token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE digest = ?", arguments: [digest]).map(APIToken.init(row:))
        }
    }

    public func tokens() throws(StoreError) -> [APIToken] {
        try read("API tokens") { db in try Row.fetchAll(db, sql: "SELECT * FROM apiToken ORDER BY id").map(APIToken.init(row:)) }
    }

    /// Revokes a token; returns `false` when there is no such token (and writes nothing, its audit record included).
    public func revokeToken(id: Int64, at now: Date, audit: AuditRecord? = nil) throws(StoreError) -> Bool {
        let revoked = try write("revoke API token \(id)") { db in
            try db.execute(sql: "UPDATE apiToken SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
            guard db.changesCount > 0 else { return false }
            if let audit { try Self.insertAudit(audit.event, in: db) }
            return true
        }
        if revoked { audit?.markWritten() }
        return revoked
    }
}
