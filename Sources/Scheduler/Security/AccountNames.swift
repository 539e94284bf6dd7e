/// What names of users and tokens may be: short, printable and unambiguous, so that they read well in the audit
/// trail, fit in a URL path without surprises, and never pass for the daemon's own actors ("local admin",
/// "token …", which hold a space).
public enum AccountNames {
    public static let maximumLength = 64

    /// Why `name` cannot name a user, or `nil`: 1 to 64 of letters, digits, `.`, `_`, `-` and `@`, starting with a
    /// letter or digit.
    public static func problem(withUser name: String) -> String? {
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) else {
            return "a user name starts with a letter or a digit"
        }
        guard name.unicodeScalars.count <= maximumLength else { return "a user name has at most \(maximumLength) characters" }
        guard name.unicodeScalars.allSatisfy({ isAlphanumeric($0) || ".-_@".unicodeScalars.contains($0) }) else {
            return "a user name holds only letters, digits, \".\", \"_\", \"-\" and \"@\""
        }
        return nil
    }

    /// Why `name` cannot name a token, or `nil`: 1 to 64 printable ASCII characters (spaces inside allowed).
    public static func problem(withToken name: String) -> String? {
        let scalars = name.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= maximumLength else { return "a token name has 1 to \(maximumLength) characters" }
        guard scalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f }),
            scalars.first != " ", scalars.last != " "
        else { return "a token name holds printable ASCII characters only, without spaces at its ends" }
        return nil
    }

    /// Why `pipelines` cannot scope a token, or `nil`: 1 to 100 pipeline ids.
    public static func problem(withScope pipelines: [String]) -> String? {
        guard !pipelines.isEmpty else { return "pipelines, when given, names at least one pipeline (omit it for all)" }
        guard pipelines.count <= 100 else { return "a token is scoped to at most 100 pipelines" }
        if let bad = pipelines.first(where: { !PipelineBuilder.isIdentifier($0) }) {
            return "\"\(bad.prefix(100))\" is not a pipeline id (letters, digits, \"_\" and \"-\")"
        }
        return nil
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
