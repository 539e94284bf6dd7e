import Hummingbird

/// What a new password must be: long enough to resist guessing (length counts more than symbols), not the one it
/// replaces, and whole to bcrypt, which ignores what follows a NUL byte or the 72nd byte: a password it would cut
/// short is refused rather than silently weakened.
enum PasswordRules {
    static let minimumLength = 12
    static let maximumBytes = 72

    static func check(_ password: String, replacing old: String? = nil) throws(APIError) {
        if let problem = problem(with: password) {
            throw APIError(status: .unprocessableContent, code: "weak_password", message: problem)
        }
        guard password != old else {
            throw APIError(status: .unprocessableContent, code: "weak_password", message: "the new password must differ from the current one")
        }
    }

    /// Why `password` cannot be one, or `nil`.
    static func problem(with password: String) -> String? {
        guard password.count >= minimumLength else { return "the password needs at least \(minimumLength) characters" }
        guard fitsBcrypt(password) else {
            return "the password must be at most \(maximumBytes) bytes in UTF-8 and hold no NUL character (bcrypt ignores the rest)"
        }
        return nil
    }

    /// Whether bcrypt sees all of it.
    static func fitsBcrypt(_ password: String) -> Bool {
        password.utf8.count <= maximumBytes && !password.utf8.contains(0)
    }
}
