import Hummingbird

/// What a new password must be: long enough to resist guessing (length counts more than symbols),
/// and not the one it replaces.
enum PasswordRules {
    static let minimumLength = 12

    static func check(_ password: String, replacing old: String? = nil) throws(APIError) {
        guard password.count >= minimumLength else {
            throw APIError(status: .unprocessableContent, code: "weak_password", message: "the password needs at least \(minimumLength) characters")
        }
        guard password != old else {
            throw APIError(status: .unprocessableContent, code: "weak_password", message: "the new password must differ from the current one")
        }
    }
}
