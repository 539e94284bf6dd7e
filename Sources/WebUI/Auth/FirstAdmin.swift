import Foundation
public import Scheduler

/// The first start of a daemon creates an `admin` user, so that somebody can sign in.
public enum FirstAdmin {
    /// Creates `admin` when the store has no user; its password is `password` when given
    /// (`AUTOOPTIMIZE_ADMIN_PASSWORD`), else a random one that must be changed at the first sign-in.
    /// - Returns: the generated password, to be shown once; `nil` when none was generated.
    public static func ensure(store: Store, password: String?) async throws -> String? {
        guard try store.userCount() == 0 else { return nil }
        let chosen = password ?? String(SecretToken.generate().prefix(24))
        // A generated password is for one sign-in: the panel then asks for a new one.
        _ = try store.createUser(User(
            name: "admin", role: .admin, passwordHash: try await PasswordHasher.hash(chosen), createdAt: Date(), mustChangePassword: password == nil))
        try store.appendAudit(AuditEvent(
            at: Date(), actor: "autooptimize", role: "-", action: "user.create", target: "user admin", address: "local", outcome: "ok"))
        return password == nil ? chosen : nil
    }

    /// Whether `admin` still has the first password (so that the file holding it is still of use).
    public static func stillUnchanged(store: Store) throws -> Bool {
        try store.user(named: "admin")?.mustChangePassword ?? false
    }
}
