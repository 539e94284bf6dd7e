/// Where a job gets a secret by name (a warehouse password, a signing key) without it being written in a pipeline
/// file or passed in the environment. The daemon's source is chosen at start; until one is configured, none is
/// known and asking says so.
public protocol SecretSource: Sendable {
    /// - Throws: `JobFailure` naming the secret when it is unknown or cannot be read.
    func value(named name: String) throws -> String
}

/// The source of a daemon with no secrets configured.
public struct NoSecrets: SecretSource {
    public init() {}

    public func value(named name: String) throws -> String {
        throw JobFailure("no secret named \"\(name)\": this daemon has no secrets configured")
    }
}
