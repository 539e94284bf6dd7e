public import Foundation

/// The daemon's local admin credential: a random token in the data directory,
/// readable only by the daemon's user, so that CLI commands on the same machine
/// can act through the API the way a local admin socket would allow.
public struct LocalCredential: Sendable {
    public let token: String

    public init(token: String) { self.token = token }

    public static func path(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("local-admin.token")
    }

    /// Makes a fresh token for this daemon's life and writes it with mode 0600.
    public static func create(in dataDirectory: URL) throws -> LocalCredential {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let path = Self.path(in: dataDirectory).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JobFailure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        _ = token.withCString { write(descriptor, $0, strlen($0)) }
        return LocalCredential(token: token)
    }

    /// Reads the token a running daemon wrote.
    public static func read(from dataDirectory: URL) throws -> LocalCredential {
        let path = Self.path(in: dataDirectory).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else {
            throw JobFailure("cannot read \(path): is the daemon running with this --data, as this user?")
        }
        return LocalCredential(token: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Compares in constant time, so that timing does not reveal the token.
    public func matches(_ candidate: String) -> Bool {
        let expected = Array(token.utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
