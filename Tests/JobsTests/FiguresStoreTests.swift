import Connectors
import Foundation
import GRDB
import SchedulerTesting
import Testing

@testable import Jobs

/// The worker's store: figures and offsets committed together, so that replays and restarts change nothing.
@Suite struct FiguresStoreTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sales-events")

    /// The fixture as a 4-partition topic would hold it (partition by key), each message parsed as the worker does.
    private func items() throws -> [FiguresStore.Item] {
        let rates = try FXRates(csv: String(contentsOf: Self.fixtures.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
        var offsets: [Int32: Int64] = [:]
        return try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n").map { line in
            let tab = line.firstIndex(of: "\t")!
            let partition = Int32(line[..<tab].utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF } % 4)
            let offset = offsets[partition, default: 0]
            offsets[partition] = offset + 1
            return FiguresStore.Item(
                partition: KafkaPartition(topic: "sales.events", partition: partition), offset: offset,
                event: try? SaleEvent.parse(Array(line[line.index(after: tab)...].utf8), rates: rates))
        }
    }

    private var expected: String {
        get throws { try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8) }
    }

    @Test func batchesReplaysAndARestartGiveExactlyTheExpectedFigures() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let all = try items()
        var generator = SplitMix(seed: 5)
        var start = 0
        var batches: [[FiguresStore.Item]] = []
        while start < all.count {
            let size = Int.random(in: 1...200, using: &generator)
            batches.append(Array(all[start..<min(all.count, start + size)]))
            start += size
        }
        let half = batches.count / 2
        do {
            let store = try FiguresStore(path: path)
            for batch in batches[..<half] { try store.commit(batch) }
            // A consumer that died before its offsets were known replays what it had already committed.
            for batch in batches[(half - 3)..<half] { try store.commit(batch) }
        }
        // A new process on the same file: it resumes from the stored offsets, as the consumer would.
        let store = try FiguresStore(path: path)
        let partitions = (0..<4).map { KafkaPartition(topic: "sales.events", partition: Int32($0)) }
        let resume = try store.startingOffsets(partitions)
        let rest = batches[half...].flatMap { $0 }.filter { $0.offset >= resume[$0.partition, default: 0] }
        #expect(rest.count == batches[half...].reduce(0) { $0 + $1.count }, "the stored offsets stand right after the first half")
        try store.commit(rest)
        #expect(SellerFigures.csv(try store.sellers()) == (try expected))
        let totals = try store.totals()
        #expect(totals.events + totals.duplicates + totals.deadLetters == all.count)
        #expect(totals.deadLetters == all.filter { $0.event == nil }.count)
        #expect(totals.duplicates > 0)
    }

    private func event(_ id: String, deal: String, type: String = "deal_opened") throws -> SaleEvent {
        let rates = try FXRates(csv: "month,currency,usd_per_unit\n2025-06,ZAR,0.054\n")
        let amount = type == "deal_won" ? ", \"amount\": 100.00, \"currency\": \"ZAR\"" : ""
        return try SaleEvent.parse(Array("""
            {"event_id": \(String(decoding: JSONText.quoted(id), as: UTF8.self)), "type": "\(type)", "occurred_at": "2025-06-01T10:15:00Z", "deal_id": "\(deal)", \
            "seller_id": "S-1", "seller_name": "Seller 1", "dealer_id": "DL-1", "country": "ZA"\(amount)}
            """.utf8), rates: rates)
    }

    /// Event ids are kept with their deal: any id, however written, is found again after a restart, in the cache
    /// and in the file alike.
    @Test func aDealsEventIdsSurviveARestartWhateverTheyHold() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let partition = KafkaPartition(topic: "sales.events", partition: 0)
        // UUIDs in canonical text are kept as 16 bytes, any other id (an uppercase UUID too) as its text.
        let uuid = "965eda32-dae4-4550-8201-e2bd73ab4876"
        let ids = ["a", "line\nbreak", "ünïcödé-ид", String(repeating: "x", count: 300), uuid, uuid.uppercased(), "965eda32-dae4-4550-8201-e2bd73ab487g"]
        let stored = FiguresStore.StoredDeal(state: DealState(opened: true, closed: false, seller: nil), ids: ids.map(EventID.init))
        #expect(stored.ids.map(\.description) == ids && ids.map(EventID.init).allSatisfy(stored.contains))
        #expect(!stored.contains(EventID("line")) && !stored.contains(EventID("965eda32-dae4-4550-8201-e2bd73ab4877")))
        #expect(stored.ids.filter { if case .uuid = $0 { true } else { false } } == [EventID(uuid)])
        #expect(stored.eventIDs.count == ids.reduce(0) { $0 + 4 + $1.utf8.count } - 36 + 16, "the UUID in 16 bytes")
        // A deal stored before UUIDs were kept compact holds the UUID's text: a redelivery still finds it.
        var older = FiguresStore.StoredDeal(state: DealState(opened: true, closed: false, seller: nil))
        withUnsafeBytes(of: UInt32(36).littleEndian) { older.eventIDs.append(contentsOf: $0) }
        older.eventIDs += Array(uuid.utf8)
        #expect(older.contains(EventID(uuid)) && !older.contains(EventID("965eda32-dae4-4550-8201-e2bd73ab4877")))
        do {
            let store = try FiguresStore(path: path)
            let items = try ids.enumerated().map { FiguresStore.Item(partition: partition, offset: Int64($0.offset), event: try event($0.element, deal: "D-1")) }
            #expect(try store.commit(items).events == ids.count)
            // Redelivered at new offsets, the deal still open (so cached): each counted once.
            let again = try ids.enumerated().map { FiguresStore.Item(partition: partition, offset: Int64(10 + $0.offset), event: try event($0.element, deal: "D-1")) }
            #expect(try store.commit(again) == FiguresStore.Totals(events: 0, duplicates: ids.count, deadLetters: 0))
        }
        let store = try FiguresStore(path: path)
        let replay = try ids.enumerated().map { FiguresStore.Item(partition: partition, offset: Int64(20 + $0.offset), event: try event($0.element, deal: "D-1")) }
        #expect(try store.commit(replay) == FiguresStore.Totals(events: 0, duplicates: ids.count, deadLetters: 0))
        let won = FiguresStore.Item(partition: partition, offset: 30, event: try event("won", deal: "D-1", type: "deal_won"))
        #expect(try store.commit([won]).events == 1)
        #expect(try store.sellers()["S-1"]?.won == 1)
    }

    /// A deal counted before store migration v4 has its event ids in the old table: they still count once.
    @Test func dealsCountedBeforeTheMigrationFindTheirIdsInTheOldTable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let partition = KafkaPartition(topic: "sales.events", partition: 0)
        _ = try FiguresStore(path: path)
        // What a v3 store held for one open deal, as migration v4 leaves it.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO seenEvent (topic, partition, eventID) VALUES ('sales.events', 0, 'old-open')")
            try db.execute(sql: "INSERT INTO deal (topic, partition, dealID, opened, closed, seller, legacy) VALUES ('sales.events', 0, 'D-9', 1, 0, 'S-1', 1)")
            try db.execute(sql: """
                INSERT INTO seller (topic, partition, sellerID, name, won, lost, open, revenueUSD) VALUES ('sales.events', 0, 'S-1', 'Seller 1', 0, 0, 1, '0')
                """)
            try db.execute(sql: "INSERT INTO consumed (topic, partition, nextOffset, events) VALUES ('sales.events', 0, 1, 1)")
        }
        try queue.close()
        let store = try FiguresStore(path: path)
        let redelivered = FiguresStore.Item(partition: partition, offset: 1, event: try event("old-open", deal: "D-9"))
        let won = FiguresStore.Item(partition: partition, offset: 2, event: try event("new-won", deal: "D-9", type: "deal_won"))
        #expect(try store.commit([redelivered, won]) == FiguresStore.Totals(events: 1, duplicates: 1, deadLetters: 0))
        let seller = try #require(try store.sellers()["S-1"])
        #expect((seller.won, seller.open) == (1, 0))
        // The deal's new id is kept with it, the old one still found in the old table.
        let later = [
            FiguresStore.Item(partition: partition, offset: 3, event: try event("new-won", deal: "D-9", type: "deal_won")),
            FiguresStore.Item(partition: partition, offset: 4, event: try event("old-open", deal: "D-9")),
        ]
        #expect(try FiguresStore(path: path).commit(later) == FiguresStore.Totals(events: 0, duplicates: 2, deadLetters: 0))
    }

    /// The partitions each file of `store` holds state of.
    private func held(_ store: FiguresStore) throws -> [[Int32]] {
        try store.shards.map { shard in
            try shard.pool.read { db in try Int32.fetchAll(db, sql: "SELECT partition FROM consumed ORDER BY partition") }
        }
    }

    /// A store of one file (every store before the split) opened with two gives the odd partitions to the second
    /// file, and the figures and offsets go on exactly; opened with one file again, it takes them back and removes
    /// the second file.
    @Test func partitionsMoveBetweenFilesWhenTheirNumberChanges() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let all = try items()
        let partitions = (0..<4).map { KafkaPartition(topic: "sales.events", partition: Int32($0)) }
        let half = all.count / 2
        let resumeAt: [KafkaPartition: Int64]
        do {
            let store = try FiguresStore(path: path, shards: 1)
            try store.commit(Array(all[..<half]))
            resumeAt = try store.startingOffsets(partitions)
            #expect(try held(store) == [[0, 1, 2, 3]])
        }
        do {
            let store = try FiguresStore(path: path, shards: 2)
            #expect(try held(store) == [[0, 2], [1, 3]])
            #expect(FileManager.default.fileExists(atPath: path + "-shard1"))
            #expect(try store.startingOffsets(partitions) == resumeAt)
            let parts = store.split(Array(all[half...]))
            #expect(parts[0].allSatisfy { $0.partition.partition % 2 == 0 } && parts[1].allSatisfy { $0.partition.partition % 2 == 1 })
            // One file, then the other, as two commit threads may finish.
            try store.commit(parts[1], shard: 1)
            try store.commit(parts[0], shard: 0)
            #expect(SellerFigures.csv(try store.sellers()) == (try expected))
        }
        let store = try FiguresStore(path: path, shards: 1)
        #expect(try held(store) == [[0, 1, 2, 3]])
        #expect(!FileManager.default.fileExists(atPath: path + "-shard1"))
        #expect(SellerFigures.csv(try store.sellers()) == (try expected))
        let totals = try store.totals()
        #expect(totals.events + totals.duplicates + totals.deadLetters == all.count)
    }

    /// A crash between a partition's copy into its new file and its removal from the old one leaves it in both:
    /// the next opening finishes the move, and nothing is counted twice.
    @Test func aMoveCutShortByACrashIsFinishedOnTheNextOpening() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let all = try items()
        let half = all.count / 2
        do {
            let store = try FiguresStore(path: path, shards: 2)
            try store.commit(Array(all[..<half]))
            // The odd partitions back in the first file too, as a move from one file to two leaves them when cut.
            try store.shards[0].pool.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS second", arguments: [path + "-shard1"])
                for table in ["consumed", "seenEvent", "deal", "seller", "hourlyRevenue"] {
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM second.\(table)")
                }
                try db.execute(sql: "DETACH DATABASE second")
            }
            #expect(try held(store) == [[0, 1, 2, 3], [1, 3]])
        }
        let store = try FiguresStore(path: path, shards: 2)
        #expect(try held(store) == [[0, 2], [1, 3]])
        let partitions = (0..<4).map { KafkaPartition(topic: "sales.events", partition: Int32($0)) }
        let resume = try store.startingOffsets(partitions)
        try store.commit(all[half...].filter { $0.offset >= resume[$0.partition, default: 0] })
        #expect(SellerFigures.csv(try store.sellers()) == (try expected))
        let totals = try store.totals()
        #expect(totals.events + totals.duplicates + totals.deadLetters == all.count)
    }

    @Test func leftoverFilesAreTheShardsBeyondTheCountOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("g.sqlite").path
        for name in ["g.sqlite-shard1", "g.sqlite-shard2", "g.sqlite-shard2-wal", "g.sqlite-shard10", "g.sqlite-shard02", "g.sqlite-shardx", "h.sqlite-shard3"] {
            _ = FileManager.default.createFile(atPath: directory.appending(name).path, contents: Data())
        }
        #expect(try FiguresStore.leftoverFiles(of: path, beyond: 2).map { URL(fileURLWithPath: $0).lastPathComponent } == ["g.sqlite-shard2", "g.sqlite-shard10"])
    }

    /// The Elasticsearch outbox of a file that goes away moves to the first file: every document still waits.
    @Test func theOutboxOfARemovedFileWaitsInTheFirstFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let items = try items().map { item in
            var item = item
            item.document = item.event.map { SearchDocuments.event($0, $0.details!) }
            return item
        }
        func pending(_ store: FiguresStore) throws -> (events: Set<String>, sellers: Set<String>) {
            let documents = try store.pendingDocuments(limit: 100_000, maximumBytes: 1 << 30)
            return (Set(documents.events.map(\.document.id)), Set(documents.sellers.map(\.id)))
        }
        let before: (events: Set<String>, sellers: Set<String>)
        do {
            let store = try FiguresStore(path: path, shards: 2, outbox: true)
            try store.commit(items)
            before = try pending(store)
            #expect(before.events.count == Set(items.compactMap { $0.event?.eventID }).count)
            #expect(try store.shards.allSatisfy { try $0.pendingCount() > 0 })
        }
        let store = try FiguresStore(path: path, shards: 1, outbox: true)
        let after = try pending(store)
        #expect(after.events == before.events && after.sellers == before.sellers)
    }

    /// Migration v5 re-keys the deals by their id first: a deal stored before it is found after it.
    @Test func dealsStoredBeforeTheirTableWasReKeyedAreFoundAfterIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let partition = KafkaPartition(topic: "sales.events", partition: 0)
        _ = try FiguresStore(path: path, shards: 1)
        // The deal table as migration v4 left it, holding one open deal, and v5 not yet applied.
        let queue = try DatabaseQueue(path: path)
        let ids = FiguresStore.StoredDeal(state: DealState(opened: true, closed: false, seller: "S-1"), ids: [EventID("open-5")]).eventIDs
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE deal;
                CREATE TABLE deal (topic TEXT NOT NULL, partition INTEGER NOT NULL, dealID TEXT NOT NULL,
                    opened INTEGER NOT NULL, closed INTEGER NOT NULL, seller TEXT, eventIDs BLOB, legacy INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (topic, partition, dealID)) WITHOUT ROWID;
                INSERT INTO seller (topic, partition, sellerID, name, won, lost, open, revenueUSD) VALUES ('sales.events', 0, 'S-1', 'Seller 1', 0, 0, 1, '0');
                INSERT INTO consumed (topic, partition, nextOffset, events) VALUES ('sales.events', 0, 1, 1);
                DELETE FROM grdb_migrations WHERE identifier = 'v5 deals keyed by their id first';
                """)
            try db.execute(
                sql: "INSERT INTO deal (topic, partition, dealID, opened, closed, seller, eventIDs) VALUES ('sales.events', 0, 'D-5', 1, 0, 'S-1', ?)",
                arguments: [Data(ids)])
        }
        try queue.close()
        let store = try FiguresStore(path: path, shards: 1)
        let key = try store.shards[0].pool.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'deal'") ?? ""
        }
        #expect(key.contains("PRIMARY KEY (dealID, topic, partition)"))
        let redelivered = FiguresStore.Item(partition: partition, offset: 1, event: try event("open-5", deal: "D-5"))
        let won = FiguresStore.Item(partition: partition, offset: 2, event: try event("won-5", deal: "D-5", type: "deal_won"))
        #expect(try store.commit([redelivered, won]) == FiguresStore.Totals(events: 1, duplicates: 1, deadLetters: 0))
        let seller = try #require(try store.sellers()["S-1"])
        #expect((seller.won, seller.open) == (1, 0))
    }
}
