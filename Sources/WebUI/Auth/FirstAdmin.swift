import Foundation
public import Scheduler

/// The first start of a daemon creates an `admin` user, so that somebody can sign in.
public enum FirstAdmin {
    /// Creates `admin` when the store has no user; its password is `password` when given
    /// (`AUTOOPTIMIZE_ADMIN_PASSWORD`, which must obey the password rules), else a random one. Either is for the
    /// first sign-in only: it sat in an environment or a file, so the panel then asks for a new one.
    /// - Returns: the generated password, to be shown once; `nil` when none was generated.
    /// - Throws: `FirstAdminError` when the given password breaks the rules.
    public static func ensure(store: Store, password: String?) async throws -> String? {
        guard try store.userCount() == 0 else { return nil }
        if let password, let problem = PasswordRules.problem(with: password) {
            throw FirstAdminError(description: "AUTOOPTIMIZE_ADMIN_PASSWORD is refused: \(problem)")
        }
        let chosen = password ?? String(SecretToken.generate().prefix(24))
        let audit = AuditRecord(AuditEvent(
            at: Date(), actor: "autooptimize", role: "-", action: "user.create", target: "user admin (role admin)", address: "local",
            outcome: "ok"))
        _ = try store.createUser(
            User(name: "admin", role: .admin, passwordHash: try await PasswordHasher.hash(chosen), createdAt: Date(), mustChangePassword: true),
            audit: audit)
        return password == nil ? chosen : nil
    }

    /// Whether `admin` still has the first password (so that the file holding it is still of use).
    public static func stillUnchanged(store: Store) throws -> Bool {
        try store.user(named: "admin")?.mustChangePassword ?? false
    }
}

/// Why the first admin could not be made.
public struct FirstAdminError: Error, CustomStringConvertible {
    public let description: String
}
