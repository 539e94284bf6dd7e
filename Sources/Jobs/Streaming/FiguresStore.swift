import Connectors
import Foundation
import Synchronization

/// The seller figures of one consumer group, with the offsets they were computed up to, split by partition over a
/// few SQLite files (`FiguresShard`) so that a batch commits on as many threads: the commit is the worker's one
/// serial stage, and a file takes one writer at a time. Each file commits its partitions' figures and offsets in one
/// transaction, so a restart resumes each partition exactly where its figures stand, whichever file got further.
///
/// The first file is `path` (a store of one file, as before, is its first file); the others are `path-shardN`.
/// Partition `p` lives in file `p % count`: on opening, rows a change of `count` left in another file move to their
/// owner (`rebalance`).
final class FiguresStore: Sendable {
    /// Two files: one commit thread a core on this two-core machine.
    static let defaultShardCount = 2

    let shards: [FiguresShard]
    /// Whether commits also fill the Elasticsearch outbox (only when Elasticsearch is configured).
    var outbox: Bool { shards[0].outbox }
    /// Marks a seller's outbox row with the commit that last changed it, so that an acknowledgement of an older
    /// version of its document leaves the newer one pending. One counter for all files: a stamp names one commit.
    private let stamp: Mutex<Int64>

    /// One consumed message: its place, and the event it held (nil when it went to the dead-letter topic).
    struct Item: Sendable {
        let partition: KafkaPartition
        let offset: Int64
        let event: SaleEvent?
        /// Its Elasticsearch document, when the store keeps an outbox.
        var document: BulkDocument? = nil
    }

    /// Documents waiting for Elasticsearch's acknowledgement: events by their file and place in its outbox, sellers
    /// by the commit that last changed them.
    struct PendingDocuments: Sendable {
        var events: [(shard: Int, sequence: Int64, document: BulkDocument)] = []
        var sellers: [(id: String, stamp: Int64, document: BulkDocument)] = []
        var isEmpty: Bool { events.isEmpty && sellers.isEmpty }
        var count: Int { events.count + sellers.count }
    }

    struct Totals: Sendable, Equatable {
        var events = 0
        var duplicates = 0
        var deadLetters = 0

        static func + (a: Totals, b: Totals) -> Totals {
            Totals(events: a.events + b.events, duplicates: a.duplicates + b.duplicates, deadLetters: a.deadLetters + b.deadLetters)
        }
    }

    /// Opens (creating, migrating and rebalancing) the files of the store at `path`.
    /// - Parameters:
    ///   - shards: how many files (and commit threads) the partitions are spread over.
    ///   - outbox: whether to keep the Elasticsearch outbox (documents written with the figures they show).
    init(path: String, shards count: Int = FiguresStore.defaultShardCount, outbox: Bool = false) throws {
        precondition(count >= 1, "a store has at least one file")
        // 200,000 deals in progress cached in all (~50 MB at most), shared by the files.
        shards = try (0..<count).map { try FiguresShard(path: Self.path(of: $0, in: path), outbox: outbox, cachedDeals: 200_000 / count) }
        try Self.rebalance(shards, leftovers: try Self.leftoverFiles(of: path, beyond: count).map { try FiguresShard(path: $0, outbox: outbox) })
        stamp = Mutex(try shards.map { try $0.highestStamp() }.max() ?? 0)
    }

    /// The file of shard `index` of the store at `path`.
    static func path(of index: Int, in path: String) -> String { index == 0 ? path : "\(path)-shard\(index)" }

    /// The file that holds `partition`'s state.
    func shard(of partition: KafkaPartition) -> Int { Self.shard(of: partition, among: shards.count) }

    /// The file of `count` that holds `partition`'s state.
    static func shard(of partition: KafkaPartition, among count: Int) -> Int { Int(partition.partition.magnitude) % count }

    /// A batch's items by the file that holds them, each in the batch's order.
    func split(_ items: [Item]) -> [[Item]] {
        var parts = [[Item]](repeating: [], count: shards.count)
        items.forEachRun(of: \.partition) { partition, run in parts[shard(of: partition)].append(contentsOf: items[run]) }
        return parts
    }

    /// Applies the items of one file (all of whose partitions `shard(of:)` gives `shard`) in one transaction: see
    /// `FiguresShard.commit`. Files may commit at the same time, each on a thread of its own.
    /// - Returns: what the items added to the totals.
    @discardableResult
    func commit(_ items: [Item], shard index: Int) throws -> Totals {
        let commitStamp: Int64 = stamp.withLock { stamp -> Int64 in
            stamp += 1
            return stamp
        }
        return try shards[index].commit(items, stamp: commitStamp)
    }

    /// Applies a batch, one file after the other.
    @discardableResult
    func commit(_ items: [Item]) throws -> Totals {
        try split(items).enumerated().reduce(Totals()) { totals, part in totals + (try commit(part.element, shard: part.offset)) }
    }

    /// Where each partition's reading resumes: the offset after the last one committed.
    func startingOffsets(_ partitions: [KafkaPartition]) throws -> [KafkaPartition: Int64] {
        var offsets: [KafkaPartition: Int64] = [:]
        for (index, shard) in shards.enumerated() {
            let held = partitions.filter { self.shard(of: $0) == index }
            if !held.isEmpty { offsets.merge(try shard.startingOffsets(held)) { $1 } }
        }
        return offsets
    }

    /// The oldest documents not yet acknowledged by Elasticsearch: up to `limit` events and sellers, about
    /// `maximumBytes` in all, events shared fairly between the files. Seller documents show the seller's figures
    /// now, summed over the partitions.
    func pendingDocuments(limit: Int = 2000, maximumBytes: Int = 4 << 20, now: Date = Date()) throws -> PendingDocuments {
        var pending = PendingDocuments()
        var bytes = 0
        let sellers = try shards.flatMap { try $0.pendingSellers(limit: limit / 4 + 1) }.sorted { $0.stamp < $1.stamp }.prefix(limit / 4 + 1)
        for (id, stamp) in sellers {
            guard let seller = try self.sellers(only: id)[id] else { continue }
            let document = SearchDocuments.seller(id: id, seller, updatedAt: now)
            pending.sellers.append((id, stamp, document))
            bytes += document.source.count
        }
        let share = max(1, (limit - pending.sellers.count) / shards.count)
        let bytesShare = max(1, (maximumBytes - bytes) / shards.count)
        for (index, shard) in shards.enumerated() {
            pending.events += try shard.pendingEvents(limit: share, maximumBytes: bytesShare).map { (index, $0.sequence, $0.document) }
        }
        return pending
    }

    /// Removes what Elasticsearch acknowledged (or what went to the dead-letter topic instead). A seller changed
    /// since its document was read stays pending, with its newer figures.
    func acknowledge(events: [(shard: Int, sequence: Int64)], sellers: [(id: String, stamp: Int64)]) throws {
        for (index, shard) in shards.enumerated() {
            // A stamp names one commit, hence one file: the others have no row with it.
            try shard.acknowledge(events: events.filter { $0.shard == index }.map(\.sequence), sellers: sellers)
        }
    }

    /// How many documents wait for Elasticsearch.
    func pendingCount() throws -> Int { try shards.reduce(0) { $0 + (try $1.pendingCount()) } }

    /// Forgets what is cached of partitions this worker no longer holds (another may change them meanwhile).
    func forget(_ partitions: [KafkaPartition]) {
        let gone = Set(partitions)
        for shard in shards { shard.forget(gone) }
    }

    /// Every seller's figures (or the one whose id is `only`), summed over the partitions (a seller's events
    /// normally all share one); the name is the one the first file holding the seller has.
    func sellers(only: String? = nil) throws -> [String: SellerState] {
        var sellers: [String: SellerState] = [:]
        for shard in shards {
            sellers.merge(try shard.sellers(only: only)) { $0.adding($1) }
        }
        return sellers
    }

    /// Deals won and revenue per UTC hour (seconds since 1970 of the hour's start) from `since`, over every partition.
    func hourlyRevenue(since: Int64) throws -> [Int64: (won: Int, revenueUSD: Decimal)] {
        var hours: [Int64: (won: Int, revenueUSD: Decimal)] = [:]
        for shard in shards {
            hours.merge(try shard.hourlyRevenue(since: since)) { ($0.won + $1.won, $0.revenueUSD + $1.revenueUSD) }
        }
        return hours
    }

    /// Events counted, redeliveries dropped and messages dead-lettered, over every partition.
    func totals() throws -> Totals { try shards.reduce(Totals()) { $0 + (try $1.totals()) } }
}
