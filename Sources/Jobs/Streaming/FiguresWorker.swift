public import Connectors
import Foundation
import Synchronization
public import Logging

/// The loop of a `seller-figures` worker, apart from the job that runs it (the benchmark drives it too): poll a
/// batch, parse each message, send the bad ones to the dead-letter topic and wait for the brokers' ack, then
/// commit figures and offsets in one transaction, then tell the group (for its lag). A batch's commit runs on a
/// thread of its own while the next batch is fetched and parsed; the next commit starts only once it succeeded, so
/// batches commit in order and a failed one stops the worker before anything after it is applied.
public final class FiguresWorker: Sendable {
    let store: FiguresStore
    let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let rates: FXRates
    private let deadLetterTopic: String
    let meter = RateMeter()
    /// Sends the figures to Elasticsearch, when it is configured (the job runs it beside the loop).
    let search: ElasticsearchWriter?
    /// The next batch, being fetched while the last one is applied (the consumer polls on a thread of its own).
    private let prefetch = Mutex<Task<KafkaBatch, any Error>?>(nil)
    /// The threads that commit batches, one per file of the store, and the commit under way.
    private let committers: [BlockingWorker]
    private let committing = Mutex<Task<Void, any Error>?>(nil)
    private let commits = Mutex(0)

    /// - Throws: `KafkaError` for a client librdkafka refuses; a message naming the FX file's line when it is wrong.
    public init(
        kafka: KafkaConfiguration, group: String, topic: String, deadLetterTopic: String, fxRatesPath: String, storePath: String,
        elasticsearch: ElasticsearchConfiguration? = nil, logger: Logger
    ) throws {
        do {
            rates = try FXRates(csv: String(contentsOfFile: fxRatesPath, encoding: .utf8))
        } catch let error as FXRates.Failure {
            throw FiguresWorkerError("fx_rates \(fxRatesPath):\(error.line): \(error.message)")
        } catch {
            throw FiguresWorkerError("fx_rates \(fxRatesPath): cannot be read (\(error.localizedDescription))")
        }
        let store = try FiguresStore(path: storePath, outbox: elasticsearch != nil)
        self.store = store
        committers = store.shards.indices.map { BlockingWorker(name: "\(group)-commit-\($0)") }
        // The commit is the pipeline's serial stage (the next batch's parse waits for it): ahead of the parse's
        // threads (on two cores, +10% events/s as root; a daemon not allowed to raise priorities keeps the default,
        // see ThreadPriority).
        for committer in committers { committer.submit { ThreadPriority.setNice(-10) } }
        consumer = try KafkaConsumer(
            // A fetch answered within 50 ms (the live latency); 12 MiB prefetched (librdkafka's 64 MiB default was
            // most of the worker's memory; 4 MiB halved its speed).
            configuration: kafka, group: group, topics: [topic],
            properties: ["client.id": "\(group)-figures", "fetch.wait.max.ms": "50", "queued.max.messages.kbytes": "12288"], logger: logger,
            startingOffsets: { partitions in (try? store.startingOffsets(partitions)) ?? [:] },
            revoked: { partitions in store.forget(partitions) })
        // The worker waits for its dead letters' acknowledgement before each commit: nothing to linger for.
        let producer = try KafkaProducer(configuration: kafka, properties: ["client.id": "\(group)-dead-letters", "linger.ms": "0"], logger: logger)
        // Its metadata fetched while the group is joined, not when the first bad message waits for it.
        producer.prepare(topic: deadLetterTopic)
        self.producer = producer
        self.deadLetterTopic = deadLetterTopic
        search = elasticsearch.map { configuration in
            ElasticsearchWriter(
                client: ElasticsearchClient(configuration: configuration, name: "\(group)-es"), store: store, deadLetterTopic: deadLetterTopic,
                logger: logger
            ) { try await producer.send($0) }
        }
    }

    /// One batch: waits up to `timeout` for messages and applies what came. Returns how many messages it handled.
    @discardableResult
    public func step(maximum: Int = 5000, timeout: Duration = .milliseconds(250)) async throws -> Int {
        let consumer = self.consumer
        let poll = { Task { try await consumer.pollBatch(maximum: maximum, timeout: timeout) } }
        let current = prefetch.withLock { $0.take() } ?? poll()
        let records = try await current.value
        guard !records.isEmpty else {
            try await flush()
            return 0
        }
        prefetch.withLock { $0 = poll() }
        // Parsing is most of the work and needs nothing shared: the two halves of the batch on two cores.
        let half = records.count / 2
        let rates = self.rates
        let deadLetterTopic = self.deadLetterTopic
        let documents = store.outbox
        async let first = Self.parse(records, 0..<half, rates: rates, deadLetterTopic: deadLetterTopic, documents: documents)
        let second = await Self.parse(records, half..<records.count, rates: rates, deadLetterTopic: deadLetterTopic, documents: documents)
        let parsed = await first
        let items = parsed.items + second.items
        let rejected = parsed.rejected + second.rejected
        // The dead letters are in their topic before the offsets that skip them are committed: none is lost.
        try await producer.send(rejected)
        try await flush()
        let (store, committers) = (self.store, self.committers)
        let offsets = Self.nextOffsets(items)
        let parts = store.split(items)
        committing.withLock {
            $0 = Task { [self] in
                // Each file on its thread, all at once; a failure in one stops the worker as any failed commit does
                // (the files that committed resume after their batch, the others before it).
                let added = try await withThrowingTaskGroup(of: FiguresStore.Totals.self) { group in
                    for (index, part) in parts.enumerated() where !part.isEmpty {
                        group.addTask { try await committers[index].run { try store.commit(part, shard: index) } }
                    }
                    return try await group.reduce(FiguresStore.Totals(), +)
                }
                meter.record(added.events)
                search?.wake()
                consumer.commit(offsets)
                commits.withLock { $0 += 1 }
            }
        }
        return records.count
    }

    /// Each partition's offset after its last item.
    private static func nextOffsets(_ items: [FiguresStore.Item]) -> [KafkaPartition: Int64] {
        var next: [KafkaPartition: Int64] = [:]
        FiguresStore.Item.forEachPartitionRun(items) { partition, run in
            let highest = items[run].lazy.map(\.offset).max()!
            next[partition] = max(next[partition] ?? 0, highest + 1)
        }
        return next
    }

    deinit { for committer in committers { committer.stop() } }

    /// Batches committed so far: what live listeners are told of changes by.
    public var committedBatches: Int { commits.withLock { $0 } }

    /// Waits for the commit under way, if any. - Throws: its error (the worker must then stop: its job restarts it).
    public func flush() async throws {
        guard let commit = committing.withLock({ $0.take() }) else { return }
        try await commit.value
    }

    private static func parse(
        _ batch: KafkaBatch, _ range: Range<Int>, rates: FXRates, deadLetterTopic: String, documents: Bool
    ) async -> (items: [FiguresStore.Item], rejected: [KafkaMessage]) {
        var items: [FiguresStore.Item] = []
        var rejected: [KafkaMessage] = []
        items.reserveCapacity(range.count)
        for message in batch.messages[range] {
            do {
                let event = try batch.withValue(message) { value throws(SaleEvent.Rejection) in try SaleEvent.parse(value, rates: rates) }
                items.append(.init(
                    partition: message.partition, offset: message.offset, event: event, document: documents ? SearchDocuments.event(event) : nil))
            } catch {
                items.append(.init(partition: message.partition, offset: message.offset, event: nil))
                rejected.append(KafkaMessage(
                    topic: deadLetterTopic, key: batch.key(message), value: batch.value(message),
                    headers: [("reason", Array(error.code.utf8)), ("detail", Array(error.detail.utf8)),
                              ("source", Array("\(message.partition)@\(message.offset)".utf8))]))
            }
        }
        return (items, rejected)
    }

    /// Events counted, redeliveries dropped and messages dead-lettered so far.
    public func totals() throws -> (events: Int, duplicates: Int, deadLetters: Int) {
        let totals = try store.totals()
        return (totals.events, totals.duplicates, totals.deadLetters)
    }

    /// What keeps the stream from flowing (an unknown topic, brokers away), until messages flow again.
    public var lastError: KafkaError? { consumer.lastError }
}

public struct FiguresWorkerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
