import CSQLiteSupport

/// SQLite's process-wide settings, applied once before the first connection opens: every place that opens a
/// database calls `configure()` first.
///
/// Multi-thread mode, because GRDB already gives each connection to one thread at a time: Debian's SQLite defaults to
/// serialized mode, which takes a mutex around every call on a connection. And no memory statistics (nothing reads
/// them): they take a mutex shared by every connection at each allocation, so that two threads committing to two
/// databases queued on it (`perf`: a tenth of a figures commit, in lock and unlock).
public enum SQLiteProcess {
    private static let applied: Bool = ao_sqlite_configure_process() == 0

    /// Applies the settings, if SQLite has not started yet. Returns whether they are in force (false: a connection
    /// opened before, the defaults stay; correct, only slower).
    @discardableResult
    public static func configure() -> Bool { applied }
}
