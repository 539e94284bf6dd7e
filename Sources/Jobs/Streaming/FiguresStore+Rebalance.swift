import Connectors
import Foundation
import GRDB

extension FiguresStore {
    /// The tables whose rows belong to a partition (keyed by topic and partition first).
    private static let partitionTables = ["consumed", "seenEvent", "deal", "seller", "hourlyRevenue"]

    /// Moves each partition's rows to the file that holds it now: a store of one file (as every store was before
    /// the split) gives half its partitions to a new second file; a store opened with fewer files than before drains
    /// the files beyond (`leftovers`) and removes them.
    ///
    /// A partition moves in two transactions: copied into its owner (replacing whatever the owner had of it), then
    /// removed from where it was. A crash between leaves it in both; the next opening copies it again, which is
    /// right, since no batch is applied before the store is open. Every partition with state has a `consumed` row
    /// (a commit writes one), so finding the partitions to move reads that small table only.
    static func rebalance(_ shards: [FiguresShard], leftovers: [FiguresShard]) throws {
        let count = shards.count
        for (index, source) in (shards + leftovers).enumerated() {
            let held = try source.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT topic, partition FROM consumed").map { KafkaPartition(topic: $0[0], partition: $0[1]) }
            }
            for (owner, target) in shards.enumerated() where owner != index {
                let moving = held.filter { shard(of: $0, among: count) == owner }
                guard !moving.isEmpty else { continue }
                try copy(moving, from: source, into: target)
                try source.pool.write { db in try delete(moving, from: db) }
            }
        }
        for leftover in leftovers {
            try drainOutbox(leftover, into: shards[0])
            try leftover.pool.write { db in try db.execute(sql: "DELETE FROM searchEvent; DELETE FROM searchSeller") }
            try leftover.pool.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: leftover.path + suffix) }
        }
    }

    /// The files `shard<N>` beside `path` for N ≥ `count`: a store's files beyond the ones it is opened with.
    static func leftoverFiles(of path: String, beyond count: Int) throws -> [String] {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let prefix = url.lastPathComponent + "-shard"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), let index = Int(name.dropFirst(prefix.count)), index >= count,
                  name == "\(prefix)\(index)"  // not -wal, -shm, or a number written another way
            else { return nil }
            return (index, directory.appendingPathComponent(name).path)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Runs `body` in one transaction of `target`, with `source`'s file attached as `source`.
    private static func withAttached(_ source: FiguresShard, in target: FiguresShard, _ body: (Database) throws -> Void) throws {
        try target.pool.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [source.path])
            defer { try? db.execute(sql: "DETACH DATABASE source") }
            try db.inTransaction {
                try body(db)
                return .commit
            }
        }
    }

    /// Replaces what `target` has of `partitions` with what `source` has, in one transaction of `target`.
    private static func copy(_ partitions: [KafkaPartition], from source: FiguresShard, into target: FiguresShard) throws {
        try withAttached(source, in: target) { db in
            try delete(partitions, from: db)
            for table in partitionTables {
                // Same migrations, same columns in the same order.
                try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM source.\(table) WHERE (topic, partition) IN (SELECT topic, partition FROM temp.moving)")
            }
        }
    }

    /// Deletes `partitions`' rows from the main database, one pass a table (deals are keyed by their id first), and
    /// leaves the partitions in `temp.moving` for the statements that follow.
    private static func delete(_ partitions: [KafkaPartition], from db: Database) throws {
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS moving (topic TEXT NOT NULL, partition INTEGER NOT NULL, PRIMARY KEY (topic, partition))")
        try db.execute(sql: "DELETE FROM temp.moving")
        for partition in partitions {
            try db.execute(sql: "INSERT INTO temp.moving (topic, partition) VALUES (?, ?)", arguments: [partition.topic, partition.partition])
        }
        for table in partitionTables {
            try db.execute(sql: "DELETE FROM main.\(table) WHERE (topic, partition) IN (SELECT topic, partition FROM temp.moving)")
        }
    }

    /// Moves a leftover file's Elasticsearch outbox into the first file (events after its own, a seller pending in
    /// both once, with the later stamp), in one transaction of the first file; then emptied, then removed (a crash
    /// between sends its documents twice, under the same ids: Elasticsearch keeps one).
    private static func drainOutbox(_ leftover: FiguresShard, into target: FiguresShard) throws {
        try withAttached(leftover, in: target) { db in
            try db.execute(sql: """
                INSERT INTO main.searchEvent (indexName, documentID, source) SELECT indexName, documentID, source FROM source.searchEvent ORDER BY sequence;
                INSERT INTO main.searchSeller (sellerID, stamp) SELECT sellerID, stamp FROM source.searchSeller WHERE true
                    ON CONFLICT (sellerID) DO UPDATE SET stamp = MAX(stamp, excluded.stamp);
                """)
        }
    }
}
