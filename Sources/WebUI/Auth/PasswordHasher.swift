import HummingbirdBcrypt
import NIOPosix
import Scheduler

/// bcrypt (cost 12) from hummingbird-auth, run on NIO's thread pool: a hash takes a
/// quarter of a second of CPU, which must not block the event loop or the cooperative pool.
public enum PasswordHasher {
    public static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 12) }
    }

    /// Checks `password` against `hash`; against a dummy hash of the same cost when there is none (an unknown
    /// user), so that an unknown name takes as long as a known one and answers `false`.
    public static func verify(_ password: String, against hash: String?) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive {
            guard let hash else {
                _ = Bcrypt.verify(password, hash: dummyHash)
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }

    /// Made once, on the thread pool, the first time an unknown name signs in.
    private static let dummyHash = Bcrypt.hash(SecretToken.generate(), cost: 12)
}
