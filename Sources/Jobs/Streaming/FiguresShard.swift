import Connectors
import Foundation
import GRDB
import Scheduler
import Synchronization

/// One SQLite file of a group's figures (`FiguresStore`): the state of some of its partitions, with the offsets it
/// was computed up to. A batch's figures, the ids of its events and the next offsets commit in one transaction, so
/// that a restart (or `kill -9`) resumes exactly where the figures stand: nothing counted twice, nothing lost. Every
/// row is keyed by its partition (a seller's and a deal's events share a key, hence a partition), so that a
/// partition's state can move between files, or later between machines.
final class FiguresShard: Sendable {
    typealias Item = FiguresStore.Item
    typealias StoredDeal = FiguresStore.StoredDeal
    typealias Totals = FiguresStore.Totals

    let path: String
    let pool: DatabasePool
    /// Deals still in progress as last committed (a finished deal hears nothing more: it leaves the cache), so that
    /// a deal's later events need no read. Only committed states enter it; bounded by `cacheLimit`.
    private let openDeals = Mutex<[KafkaPartition: [String: StoredDeal]]>([:])
    private let cacheLimit: Int
    /// Whether commits also fill the Elasticsearch outbox (only when Elasticsearch is configured).
    let outbox: Bool

    /// Opens (creating and migrating) the file at `path`.
    /// - Parameters:
    ///   - outbox: whether to keep the Elasticsearch outbox (documents written with the figures they show).
    ///   - cachedDeals: how many deals in progress the cache holds at most (the store's share for this file).
    init(path: String, outbox: Bool, cachedDeals: Int = 200_000) throws {
        self.path = path
        self.outbox = outbox
        cacheLimit = cachedDeals
        SQLiteProcess.configure()
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 seller figures") { db in
            try db.execute(sql: """
                CREATE TABLE consumed (topic TEXT NOT NULL, partition INTEGER NOT NULL, nextOffset INTEGER NOT NULL,
                    events INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0, deadLetters INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (topic, partition)) WITHOUT ROWID;
                CREATE TABLE seenEvent (topic TEXT NOT NULL, partition INTEGER NOT NULL, eventID TEXT NOT NULL,
                    PRIMARY KEY (topic, partition, eventID)) WITHOUT ROWID;
                CREATE TABLE deal (topic TEXT NOT NULL, partition INTEGER NOT NULL, dealID TEXT NOT NULL,
                    opened INTEGER NOT NULL, closed INTEGER NOT NULL, seller TEXT,
                    PRIMARY KEY (topic, partition, dealID)) WITHOUT ROWID;
                CREATE TABLE seller (topic TEXT NOT NULL, partition INTEGER NOT NULL, sellerID TEXT NOT NULL, name TEXT NOT NULL,
                    won INTEGER NOT NULL, lost INTEGER NOT NULL, open INTEGER NOT NULL, revenueUSD TEXT NOT NULL,
                    PRIMARY KEY (topic, partition, sellerID)) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2 revenue by hour") { db in
            try db.execute(sql: """
                CREATE TABLE hourlyRevenue (topic TEXT NOT NULL, partition INTEGER NOT NULL, hour INTEGER NOT NULL,
                    won INTEGER NOT NULL, revenueUSD TEXT NOT NULL, PRIMARY KEY (topic, partition, hour)) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3 elasticsearch outbox") { db in
            try db.execute(sql: """
                CREATE TABLE searchEvent (sequence INTEGER PRIMARY KEY, indexName TEXT NOT NULL, documentID TEXT NOT NULL, source BLOB NOT NULL);
                CREATE TABLE searchSeller (sellerID TEXT PRIMARY KEY, stamp INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE setting (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX sellerByID ON seller (sellerID);
                """)
        }
        migrator.registerMigration("v4 event ids with their deal") { db in
            // Deals counted until now keep their event ids in seenEvent (read for them alone); new ones beside the deal.
            try db.execute(sql: """
                ALTER TABLE deal ADD COLUMN eventIDs BLOB;
                ALTER TABLE deal ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
                UPDATE deal SET legacy = 1;
                """)
        }
        migrator.registerMigration("v5 deals keyed by their id first") { db in
            // Every key began with the same topic and partition, so each B-tree comparison of a deal's lookup or
            // insert went past SQLite's fast first-column path into its general record comparison (callgrind: 3,600
            // instructions a lookup). The same columns in the same order (files copy rows to each other by position).
            try db.execute(sql: """
                CREATE TABLE dealByID (topic TEXT NOT NULL, partition INTEGER NOT NULL, dealID TEXT NOT NULL,
                    opened INTEGER NOT NULL, closed INTEGER NOT NULL, seller TEXT, eventIDs BLOB, legacy INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (dealID, topic, partition)) WITHOUT ROWID;
                INSERT INTO dealByID SELECT topic, partition, dealID, opened, closed, seller, eventIDs, legacy FROM deal;
                DROP TABLE deal;
                ALTER TABLE dealByID RENAME TO deal;
                """)
        }
        try migrator.migrate(pool)
        if outbox {
            // The first time Elasticsearch is configured, every seller already known is sent once; later, those a
            // commit changes. (Events counted before then are not kept, so they are not sent.)
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM setting WHERE name = 'searchSeeded'") == nil else { return }
                try db.execute(sql: "INSERT OR IGNORE INTO searchSeller (sellerID, stamp) SELECT DISTINCT sellerID, 0 FROM seller")
                try db.execute(sql: "INSERT INTO setting (name, value) VALUES ('searchSeeded', '1')")
            }
        }
    }

    /// Where each partition's reading resumes: the offset after the last one committed here.
    func startingOffsets(_ partitions: [KafkaPartition]) throws -> [KafkaPartition: Int64] {
        try pool.read { db in
            var offsets: [KafkaPartition: Int64] = [:]
            for partition in partitions {
                if let next = try Int64.fetchOne(
                    db, sql: "SELECT nextOffset FROM consumed WHERE topic = ? AND partition = ?", arguments: [partition.topic, partition.partition])
                {
                    offsets[partition] = next
                }
            }
            return offsets
        }
    }

    /// The highest stamp of the seller outbox (see `FiguresStore.stamp`).
    func highestStamp() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(stamp) FROM searchSeller") ?? 0 }
    }

    /// Applies a batch (in offset order per partition, all of this file's partitions) and moves each partition's
    /// offset past it, in one transaction. Messages at offsets already committed (a redelivery after a rebalance)
    /// are skipped. `commitStamp` marks the sellers it changes in the outbox.
    /// - Returns: what the batch added to the totals.
    func commit(_ items: [Item], stamp commitStamp: Int64) throws -> Totals {
        var positions: [KafkaPartition: [Int]] = [:]
        items.forEachRun(of: \.partition) { partition, run in positions[partition, default: []].append(contentsOf: run) }
        var touched: [KafkaPartition: BatchDeals] = [:]
        let totals = try pool.write { db in
            touched = [:]
            let statements = try Statements(db)
            var added = Totals()
            for (partition, indices) in positions {
                let (topic, number) = (HotStatement.Value.text(partition.topic), HotStatement.Value.integer(Int64(partition.partition)))
                var next: Int64 = 0
                try statements.consumedOffset.run(topic, number) { next = $0.integer(0) }
                var part = Totals()
                var sellers: [String: SellerState] = [:]
                var deals = BatchDeals(capacity: indices.count)
                var hours: [Int64: (won: Int, revenue: ExactSum)] = [:]
                let cached = openDeals.withLock { $0[partition] } ?? [:]
                // A poll hands each partition's messages in order: sorted only after a replay mixed them.
                let inOrder = zip(indices, indices.dropFirst()).allSatisfy { items[$0].offset < items[$1].offset }
                let ordered = inOrder ? indices : indices.sorted { items[$0].offset < items[$1].offset }
                // The batch's deals as they stand: those in progress from the cache, the others read together (most
                // are new: one statement for many lookups costs less than a statement each).
                var unread: [String] = []
                var places = [Int](repeating: -1, count: ordered.count)  // each event's deal's, by its rank in `ordered`
                for (rank, index) in ordered.enumerated() where items[index].offset >= next {
                    guard let id = items[index].event?.dealID else { continue }
                    let (place, isNew) = deals.place(of: id)
                    places[rank] = place
                    guard isNew else { continue }
                    if let open = cached[id] { deals[place] = open } else { unread.append(id) }
                }
                try statements.readDeals(topic, number, unread) { id, deal in deals.set(deal, for: id) }
                for (rank, index) in ordered.enumerated() where items[index].offset >= next {
                    // The item's fields read in place (a copy of the item retained and released each of them).
                    next = items[index].offset + 1
                    guard let event = items[index].event else {
                        part.deadLetters += 1
                        continue
                    }
                    let place = places[rank]
                    let deal = deals.take(place)
                    if let deal {
                        var seen = deal.contains(event.eventID)
                        if !seen, deal.legacy { try statements.seenBefore.run(topic, number, .text(event.eventID.description)) { _ in seen = true } }
                        if seen {
                            part.duplicates += 1
                            deals[place] = deal
                            continue
                        }
                    }
                    part.events += 1
                    if let document = items[index].document {
                        try statements.searchEvent.run(.text(document.index), .text(document.id), .blob(document.source))
                    }
                    // The sellers this event changes, read once a batch.
                    func load(_ id: String) throws {
                        try statements.seller.run(topic, number, .text(id)) { row in
                            sellers[id] = SellerState(
                                name: row.text(0) ?? "", won: Int(row.integer(1)), lost: Int(row.integer(2)), open: Int(row.integer(3)),
                                revenue: ExactSum(text: row.text(4) ?? "0") ?? ExactSum())
                        }
                    }
                    if sellers.index(forKey: event.sellerID) == nil { try load(event.sellerID) }
                    if let opener = deal?.state.seller, opener != event.sellerID, sellers.index(forKey: opener) == nil { try load(opener) }
                    let state = SellerFigures.apply(event, deal: deal?.state, sellers: &sellers)
                    var stored = deal ?? StoredDeal(state: state)
                    stored.state = state
                    stored.append(event.eventID)
                    deals[place] = stored
                    if event.kind == .dealWon {
                        let hour = event.epochSeconds - ((event.epochSeconds % 3600) + 3600) % 3600
                        hours[hour, default: (0, ExactSum())].won += 1
                        if let revenue = event.revenue { hours[hour, default: (0, ExactSum())].revenue.add(revenue) }
                    }
                }
                try deals.forEach { id, deal in
                    // Each deal the batch touched is written once, in its final state.
                    try statements.saveDeal.run(
                        topic, number, .text(id), .bool(deal.state.opened), .bool(deal.state.closed), .optionalText(deal.state.seller),
                        .blob(deal.eventIDs), .bool(deal.legacy))
                }
                touched[partition] = deals
                for (id, seller) in sellers {
                    try statements.saveSeller.run(
                        topic, number, .text(id), .text(seller.name), .integer(Int64(seller.won)), .integer(Int64(seller.lost)),
                        .integer(Int64(seller.open)), .text(seller.revenue.text))
                    if outbox { try statements.searchSeller.run(.text(id), .integer(commitStamp)) }
                }
                for (hour, added) in hours {
                    let old = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT won, revenueUSD FROM hourlyRevenue WHERE topic = ? AND partition = ? AND hour = ?"),
                        arguments: [partition.topic, partition.partition, hour])
                    let won = (old?[0] as Int? ?? 0) + added.won
                    var revenue = added.revenue
                    if let old, let before = ExactSum(text: old[1]) { revenue.add(before) }
                    try db.cachedStatement(sql: "INSERT OR REPLACE INTO hourlyRevenue (topic, partition, hour, won, revenueUSD) VALUES (?, ?, ?, ?, ?)")
                        .execute(arguments: [partition.topic, partition.partition, hour, won, revenue.text])
                }
                try statements.saveConsumed.run(
                    topic, number, .integer(next), .integer(Int64(part.events)), .integer(Int64(part.duplicates)), .integer(Int64(part.deadLetters)))
                added.events += part.events
                added.duplicates += part.duplicates
                added.deadLetters += part.deadLetters
            }
            return added
        }
        openDeals.withLock { cache in
            if cache.values.reduce(0, { $0 + $1.count }) > cacheLimit { cache.removeAll(keepingCapacity: true) }
            for (partition, deals) in touched {
                modify(&cache[partition, default: [:]]) { open in
                    deals.forEach { id, deal in open[id] = deal.state.opened && deal.state.closed ? nil : deal }
                }
            }
        }
        return totals
    }

    /// The statements a commit runs per event or per seller, prepared once per commit.
    private struct Statements {
        let consumedOffset, deals, seenBefore, seller, saveDeal, saveSeller, saveConsumed, searchEvent, searchSeller: HotStatement
        /// How many deals `deals` reads at once.
        static let dealsAtOnce = 64

        init(_ db: Database) throws {
            consumedOffset = try HotStatement(db, "SELECT nextOffset FROM consumed WHERE topic = ? AND partition = ?")
            deals = try HotStatement(db, """
                SELECT dealID, opened, closed, seller, eventIDs, legacy FROM deal WHERE topic = ? AND partition = ?
                    AND dealID IN (\(Array(repeating: "?", count: Self.dealsAtOnce).joined(separator: ", ")))
                """)
            // Whether an event of a deal counted before store migration v4 was counted then.
            seenBefore = try HotStatement(db, "SELECT 1 FROM seenEvent WHERE topic = ? AND partition = ? AND eventID = ?")
            seller = try HotStatement(db, "SELECT name, won, lost, open, revenueUSD FROM seller WHERE topic = ? AND partition = ? AND sellerID = ?")
            saveDeal = try HotStatement(db, """
                INSERT INTO deal (topic, partition, dealID, opened, closed, seller, eventIDs, legacy) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dealID, topic, partition) DO UPDATE SET opened = excluded.opened, closed = excluded.closed,
                    seller = excluded.seller, eventIDs = excluded.eventIDs
                """)
            saveSeller = try HotStatement(db, """
                INSERT INTO seller (topic, partition, sellerID, name, won, lost, open, revenueUSD) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (topic, partition, sellerID) DO UPDATE SET name = excluded.name, won = excluded.won, lost = excluded.lost,
                    open = excluded.open, revenueUSD = excluded.revenueUSD
                """)
            saveConsumed = try HotStatement(db, """
                INSERT INTO consumed (topic, partition, nextOffset, events, duplicates, deadLetters) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (topic, partition) DO UPDATE SET nextOffset = excluded.nextOffset, events = events + excluded.events,
                    duplicates = duplicates + excluded.duplicates, deadLetters = deadLetters + excluded.deadLetters
                """)
            searchEvent = try HotStatement(db, "INSERT INTO searchEvent (indexName, documentID, source) VALUES (?, ?, ?)")
            searchSeller = try HotStatement(db, "INSERT INTO searchSeller (sellerID, stamp) VALUES (?, ?) ON CONFLICT (sellerID) DO UPDATE SET stamp = excluded.stamp")
        }

        /// Calls `found` with each of the deals `ids` names that is stored, `dealsAtOnce` a statement (the last
        /// one's list filled up with its first id again).
        func readDeals(_ topic: HotStatement.Value, _ partition: HotStatement.Value, _ ids: [String], found: (String, StoredDeal) -> Void) throws {
            var start = 0
            while start < ids.count {
                let chunk = ids[start..<min(ids.count, start + Self.dealsAtOnce)]
                var values = [topic, partition]
                values.reserveCapacity(2 + Self.dealsAtOnce)
                values += chunk.map(HotStatement.Value.text)
                values += repeatElement(HotStatement.Value.text(chunk.first!), count: Self.dealsAtOnce - chunk.count)
                try withoutActuallyEscaping(found) { found in
                    try deals.run(values) { row in
                        found(
                            row.text(0) ?? "",
                            StoredDeal(
                                state: DealState(opened: row.bool(1), closed: row.bool(2), seller: row.text(3)), eventIDs: row.blob(4), legacy: row.bool(5)))
                    }
                }
                start += Self.dealsAtOnce
            }
        }
    }

    /// The sellers waiting for Elasticsearch, oldest change first: up to `limit`.
    func pendingSellers(limit: Int) throws -> [(id: String, stamp: Int64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT sellerID, stamp FROM searchSeller ORDER BY stamp LIMIT ?", arguments: [limit]).map { ($0[0], $0[1]) }
        }
    }

    /// The event documents waiting for Elasticsearch, in the order they were counted: up to `limit`, and about
    /// `maximumBytes`.
    func pendingEvents(limit: Int, maximumBytes: Int) throws -> [(sequence: Int64, document: BulkDocument)] {
        try pool.read { db in
            var events: [(sequence: Int64, document: BulkDocument)] = []
            var bytes = 0
            let rows = try Row.fetchCursor(db, sql: "SELECT sequence, indexName, documentID, source FROM searchEvent ORDER BY sequence LIMIT ?", arguments: [limit])
            while bytes < maximumBytes, let row = try rows.next() {
                let source: Data = row[3]
                events.append((row[0], BulkDocument(index: row[1], id: row[2], source: Array(source))))
                bytes += source.count
            }
            return events
        }
    }

    /// Removes what Elasticsearch acknowledged (or what went to the dead-letter topic instead). A seller changed
    /// since its document was read stays pending, with its newer figures.
    func acknowledge(events: [Int64], sellers: [(id: String, stamp: Int64)]) throws {
        guard !events.isEmpty || !sellers.isEmpty else { return }
        try pool.write { db in
            for sequence in events { try db.cachedStatement(sql: "DELETE FROM searchEvent WHERE sequence = ?").execute(arguments: [sequence]) }
            for seller in sellers {
                try db.cachedStatement(sql: "DELETE FROM searchSeller WHERE sellerID = ? AND stamp = ?").execute(arguments: [seller.id, seller.stamp])
            }
        }
    }

    /// How many documents wait for Elasticsearch.
    func pendingCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM searchEvent) + (SELECT COUNT(*) FROM searchSeller)") ?? 0 }
    }

    /// Forgets what is cached of partitions this worker no longer holds (another may change them meanwhile).
    func forget(_ partitions: Set<KafkaPartition>) {
        openDeals.withLock { cache in cache = cache.filter { !partitions.contains($0.key) } }
    }

    /// The sellers' rows of this file summed over its partitions, in partition order: all of them, or the one whose
    /// id is `only`.
    func sellers(only: String? = nil) throws -> [String: SellerState] {
        try pool.read { db in
            var sellers: [String: SellerState] = [:]
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: """
                    SELECT sellerID, name, won, lost, open, revenueUSD FROM seller \(only == nil ? "" : "WHERE sellerID = ?") ORDER BY topic, partition
                    """),
                arguments: only.map { [$0] } ?? [])
            while let row = try rows.next() {
                let id: String = row[0]
                var seller = sellers[id] ?? SellerState(name: row[1])
                seller.won += row[2] as Int
                seller.lost += row[3] as Int
                seller.open += row[4] as Int
                if let revenue = ExactSum(text: row[5]) { seller.revenue.add(revenue) }
                sellers[id] = seller
            }
            return sellers
        }
    }

    /// Deals won and revenue per UTC hour (seconds since 1970 of the hour's start) from `since`, over this file's
    /// partitions.
    func hourlyRevenue(since: Int64) throws -> [Int64: (won: Int, revenueUSD: Decimal)] {
        try pool.read { db in
            var hours: [Int64: (won: Int, revenueUSD: Decimal)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT hour, won, revenueUSD FROM hourlyRevenue WHERE hour >= ?", arguments: [since])
            while let row = try rows.next() {
                let hour: Int64 = row[0]
                hours[hour, default: (0, 0)].won += row[1] as Int
                hours[hour, default: (0, 0)].revenueUSD += Decimal(plain: row[2] as String) ?? 0
            }
            return hours
        }
    }

    /// Events counted, redeliveries dropped and messages dead-lettered, over this file's partitions.
    func totals() throws -> Totals {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(events), 0), COALESCE(SUM(duplicates), 0), COALESCE(SUM(deadLetters), 0) FROM consumed")
            return Totals(events: row?[0] ?? 0, duplicates: row?[1] ?? 0, deadLetters: row?[2] ?? 0)
        }
    }
}
