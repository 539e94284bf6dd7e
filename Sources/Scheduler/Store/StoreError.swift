import GRDB

/// A store operation that failed: what was being done, and SQLite's reason (GRDB's "what - while doing what").
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let doing: String
    public let message: String
    /// SQLite's result code, when SQLite gave one (5 busy, 8 read-only, 13 full…).
    public let code: Int32?

    init(doing: String, message: String, code: Int32? = nil) {
        self.doing = doing
        self.message = message
        self.code = code
    }

    init(doing: String, underlying: any Error) {
        if let error = underlying as? StoreError {
            self = error
        } else if let error = underlying as? DatabaseError {
            // The SQL and its arguments stay out: they may hold personal data (GRDB hides them too).
            self.init(doing: doing, message: "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")", code: error.resultCode.rawValue)
        } else {
            self.init(doing: doing, message: "\(underlying)")
        }
    }

    public var description: String { "could not \(doing): \(message)\(advice)" }

    private var advice: String {
        switch code {
        case 5: " (another process holds the database; is a second daemon running on the same --data?)"
        case 8: " (the database or its directory is read-only; check the permissions of --data)"
        case 13: " (the disk is full)"
        case 14: " (cannot open the file; check that --data exists and is writable)"
        default: ""
        }
    }
}
