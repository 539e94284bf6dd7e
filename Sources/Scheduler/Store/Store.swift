import Foundation
import GRDB

/// The run history and pipeline states, in SQLite: the daemon's single source of truth.
///
/// One concrete type, not a protocol (STYLE 3.1 principle 3): tests use
/// `Store.inMemory()`, a real SQLite database. Writes are one transaction per
/// call (`Store+Transitions`); reads return model values (`Store+Queries`).
public struct Store: Sendable {
    let writer: any DatabaseWriter
    /// Where the database lives; `nil` in memory.
    public let path: String?

    /// How hard SQLite works to keep a commit through a power cut.
    public enum Durability: String, Sendable, CaseIterable {
        /// WAL with `synchronous=NORMAL`: every commit survives a crash of the daemon (`kill -9`).
        case normal
        /// `synchronous=FULL`: every commit also survives a power cut, at a cost per commit.
        case full
    }

    /// Opens (creating and migrating) the database at `path` in WAL mode.
    /// - Throws: `StoreError` saying what failed, with the path.
    public static func open(at path: String, durability: Durability = .normal) throws(StoreError) -> Store {
        SQLiteProcess.configure()
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            }
            let store = Store(writer: pool, path: path)
            try store.migrate()
            return store
        } catch {
            throw StoreError(doing: "open the store at \(path)", underlying: error)
        }
    }

    /// Opens an existing database for reading only, as the CLI does beside a running daemon.
    public static func openReadOnly(at path: String) throws(StoreError) -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(doing: "open the store at \(path)", message: "no such file (has the daemon run with this --data?)")
        }
        SQLiteProcess.configure()
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            return Store(writer: try DatabasePool(path: path, configuration: configuration), path: path)
        } catch {
            throw StoreError(doing: "open the store at \(path)", underlying: error)
        }
    }

    /// A fresh database in memory, for tests.
    public static func inMemory() throws(StoreError) -> Store {
        do {
            SQLiteProcess.configure()
            let store = Store(writer: try DatabaseQueue(), path: nil)
            try store.migrate()
            return store
        } catch {
            throw StoreError(doing: "create an in-memory store", underlying: error)
        }
    }

    /// One read transaction, its failure named after what was being read.
    func read<T: Sendable>(_ what: String, _ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError(doing: "read \(what)", underlying: error)
        }
    }

    /// One write transaction, its failure named after what was being done; with `audit`, the audit event is
    /// appended in the same transaction, so that the change cannot be kept without its entry in the trail.
    func write<T: Sendable>(_ what: String, audit: AuditRecord? = nil, _ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do {
            let result = try writer.write { db in
                let result = try body(db)
                if let audit { try Self.insertAudit(audit.event, in: db) }
                return result
            }
            audit?.markWritten()
            return result
        } catch {
            throw StoreError(doing: what, underlying: error)
        }
    }
}
