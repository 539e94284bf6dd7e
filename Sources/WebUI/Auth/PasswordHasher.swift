import HummingbirdBcrypt
import NIOPosix

/// bcrypt (cost 12) from hummingbird-auth, run on NIO's thread pool: a hash takes a
/// quarter of a second of CPU, which must not block the event loop or the cooperative pool.
public enum PasswordHasher {
    public static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 12) }
    }

    public static func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
