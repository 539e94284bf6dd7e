public import Connectors
import Foundation
import Synchronization
public import Logging

/// The loop of a `seller-figures` worker, apart from the job that runs it (the benchmark drives it too): poll a
/// batch, and for each file of the store (`FiguresStore`: partitions split over files), on that file's thread (a
/// lane): parse its messages, send the bad ones to the dead-letter topic and wait for the brokers' ack, then commit
/// their figures and offsets in one transaction; once every lane has, tell the group (for its lag).
///
/// Each lane does all of its partitions' work, so the lanes keep the cores busy side by side with nothing shared but
/// the batch, and an event is made and freed on one thread. A lane takes batches in order, and one that failed stops
/// the lanes before anything after it is applied; the next batch is fetched meanwhile, and handed over while the
/// last one is still applied (at most two in the lanes, for memory).
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
    /// The lanes' threads, one per file of the store.
    private let lanes: [BlockingWorker]
    /// The batches handed to the lanes and not yet finished, oldest first.
    private let applying = Mutex<[Task<Void, any Error>]>([])
    /// Set by a lane that failed: the lanes then refuse what follows (the job restarts the worker).
    private let stopped = Atomic<Bool>(false)
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
        lanes = store.shards.indices.map { BlockingWorker(name: "\(group)-lane-\($0)") }
        consumer = try KafkaConsumer(
            // A fetch answered within 50 ms (the live latency); 8 MiB prefetched (librdkafka's 64 MiB default was
            // most of the worker's memory; 4 MiB halved its speed; 12 MiB was no faster and, since batches are read
            // in librdkafka's buffers, 10-20 MB more at peak with zstd, whose buffers librdkafka oversizes).
            configuration: kafka, group: group, topics: [topic],
            properties: ["client.id": "\(group)-figures", "fetch.wait.max.ms": "50", "queued.max.messages.kbytes": "8192"], logger: logger,
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

    /// Messages a poll takes at most, unless told otherwise: the job's and the benchmark's (each lane's commit then
    /// holds about half, and its fixed costs spread over them; twice as many gained nothing measurable, for 25 MB).
    public static let defaultBatch = 10_000

    /// One batch: waits up to `timeout` for messages and hands what came to the lanes. Returns how many messages it
    /// handled. - Throws: the failure of an earlier batch (the worker must then stop: its job restarts it).
    @discardableResult
    public func step(maximum: Int = defaultBatch, timeout: Duration = .milliseconds(250)) async throws -> Int {
        let consumer = self.consumer
        let poll = { Task { try await consumer.pollBatch(maximum: maximum, timeout: timeout) } }
        let current = prefetch.withLock { $0.take() } ?? poll()
        let records = try await current.value
        guard !records.isEmpty else {
            try await flush()
            return 0
        }
        prefetch.withLock { $0 = poll() }
        // The oldest batch finished before a third enters the lanes; its failure surfaces here.
        if let oldest = applying.withLock({ $0.count >= 2 ? $0.removeFirst() : nil }) { try await oldest.value }
        var positions = [[Int]](repeating: [], count: lanes.count)
        for (index, message) in records.messages.enumerated() { positions[store.shard(of: message.partition)].append(index) }
        let previous = applying.withLock { $0.last }
        let batch = Task { [self] in
            let added = try await withThrowingTaskGroup(of: FiguresStore.Totals.self) { group in
                for (lane, indices) in positions.enumerated() where !indices.isEmpty {
                    group.addTask { try await self.lanes[lane].run { try self.apply(records, indices, lane: lane) } }
                }
                return try await group.reduce(FiguresStore.Totals(), +)
            }
            // Told in batch order: the group's lag never steps back.
            try await previous?.value
            meter.record(added.events)
            search?.wake()
            consumer.commit(Self.nextOffsets(records))
            commits.withLock { $0 += 1 }
        }
        applying.withLock { $0.append(batch) }
        return records.count
    }

    /// A lane's share of a batch, on its thread: parse, dead letters acknowledged, commit.
    private func apply(_ batch: KafkaBatch, _ indices: [Int], lane: Int) throws -> FiguresStore.Totals {
        guard !stopped.load(ordering: .acquiring) else { throw FiguresWorkerError("an earlier batch failed") }
        do {
            let (items, rejected) = Self.parse(batch, indices, rates: rates, deadLetterTopic: deadLetterTopic, documents: store.outbox)
            // The dead letters are in their topic before the offsets that skip them are committed: none is lost.
            try producer.sendWaiting(rejected)
            return try store.commit(items, shard: lane)
        } catch {
            stopped.store(true, ordering: .releasing)
            throw error
        }
    }

    /// Each partition's offset after its last message.
    private static func nextOffsets(_ batch: KafkaBatch) -> [KafkaPartition: Int64] {
        var next: [KafkaPartition: Int64] = [:]
        let messages = batch.messages
        messages.forEachRun(of: \.partition) { partition, run in
            let highest = messages[run].lazy.map(\.offset).max()!
            next[partition] = max(next[partition] ?? 0, highest + 1)
        }
        return next
    }

    deinit { for lane in lanes { lane.stop() } }

    /// Batches committed so far: what live listeners are told of changes by.
    public var committedBatches: Int { commits.withLock { $0 } }

    /// Waits for the batches in the lanes. - Throws: the first error (the worker must then stop: its job restarts it).
    public func flush() async throws {
        while let oldest = applying.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { try await oldest.value }
    }

    private static func parse(
        _ batch: KafkaBatch, _ indices: [Int], rates: FXRates, deadLetterTopic: String, documents: Bool
    ) -> (items: [FiguresStore.Item], rejected: [KafkaMessage]) {
        var items: [FiguresStore.Item] = []
        var rejected: [KafkaMessage] = []
        items.reserveCapacity(indices.count)
        var fields = SaleEvent.fieldsToReuse()
        for index in indices {
            let message = batch.messages[index]
            do {
                let event = try batch.withValue(message) { value throws(SaleEvent.Rejection) in
                    try SaleEvent.parse(value, rates: rates, details: documents, reusing: &fields)
                }
                items.append(.init(
                    partition: message.partition, offset: message.offset, event: event,
                    document: event.details.map { SearchDocuments.event(event, $0) }))
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
