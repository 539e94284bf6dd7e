import GRDB
import GRDBSQLite
@testable import Scheduler
import Testing

/// Every database of the process opens after SQLite's process-wide settings are applied (each opening applies them
/// first; the tests that open a connection themselves call `SQLiteProcess.configure()` before it).
@Suite struct SQLiteProcessTests {
    @Test func connectionsTakeNoMutexPerCallAndAllocationsNoStatistics() throws {
        let store = try Store.inMemory()
        #expect(SQLiteProcess.configure())
        try store.writer.read { db in
            // A connection in multi-thread mode has no mutex of its own (serialized mode's is taken at every call).
            #expect(sqlite3_db_mutex(db.sqliteConnection) == nil)
            _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master")
        }
        // Without memory statistics, SQLite counts no bytes (their shared mutex is never taken).
        #expect(sqlite3_memory_used() == 0)
    }
}
