import CRdKafka
import Foundation
public import Logging
import Synchronization

/// A consumer-group member over librdkafka. Where a partition starts is the owner's to say (`startingOffsets`, read
/// from the store that keeps its state and offsets together): Kafka's committed offsets are only written for
/// others to see the group's lag, never read back. `poll` runs on the consumer's own thread.
public final class KafkaConsumer: Sendable {
    private let client: KafkaClientHandle
    private let worker: BlockingWorker
    /// What the rebalance callback and the poll share with the owner.
    private final class State: Sendable {
        let lock = Mutex<(assignment: Set<KafkaPartition>, lastError: KafkaError?)>(([], nil))
    }

    private let state = State()
    private let nudge = FetchNudge()
    public let group: String

    /// - Parameters:
    ///   - startingOffsets: for newly assigned partitions, the next offset to read of those the owner has state for;
    ///     the others start at their beginning.
    ///   - revoked: partitions taken away (the owner drops what it caches of them).
    public init(
        configuration: KafkaConfiguration, group: String, topics: [String], properties: [String: String] = [:], logger: Logger,
        startingOffsets: @escaping @Sendable ([KafkaPartition]) -> [KafkaPartition: Int64] = { _ in [:] },
        revoked: @escaping @Sendable ([KafkaPartition]) -> Void = { _ in }
    ) throws(KafkaError) {
        self.group = group
        // A member that died without leaving (a crash, `kill -9`) holds its partitions until its session times out:
        // with librdkafka's default of 45 s, a restarted worker waited that long for its own old member.
        let conf = try configuration.make(
            ["group.id": group, "enable.auto.commit": "false", "enable.auto.offset.store": "false", "auto.offset.reset": "earliest"]
                .merging(properties) { $1 },
            defaults: ["session.timeout.ms": "10000"])
        let state = self.state
        let context = KafkaClientContext(logger: logger, rebalance: .init(
            startingOffsets: startingOffsets,
            assigned: { partitions in state.lock.withLock { $0.assignment.formUnion(partitions) } },
            revoked: { partitions in
                state.lock.withLock { $0.assignment.subtract(partitions) }
                revoked(partitions)
            }))
        let retained = context.attach(to: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { client, error, list, opaque in
            guard let client, let list, let context = KafkaClientContext.from(opaque), let rebalance = context.rebalance else { return }
            let partitions = KafkaConsumer.partitions(of: list)
            if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                let offsets = rebalance.startingOffsets(partitions)
                for index in 0..<Int(list.pointee.cnt) {
                    let element = list.pointee.elems[index]
                    let partition = KafkaPartition(topic: String(cString: element.topic), partition: element.partition)
                    list.pointee.elems[index].offset = offsets[partition] ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
                }
                rd_kafka_assign(client, list)
                rebalance.assigned(partitions)
                context.logger.info("assigned \(partitions.map(\.description).joined(separator: ", "))")
            } else {
                rd_kafka_assign(client, nil)
                rebalance.revoked(partitions)
                context.logger.info("revoked \(partitions.map(\.description).joined(separator: ", "))")
            }
        }
        client = try KafkaClientHandle(type: RD_KAFKA_CONSUMER, conf: conf, context: retained)
        rd_kafka_poll_set_consumer(client.pointer)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let error = rd_kafka_subscribe(client.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, doing: "subscribing to \(topics.joined(separator: ", "))") }
        worker = BlockingWorker(name: "kafka-consumer")
    }

    deinit {
        let client = self.client
        worker.submit { rd_kafka_consumer_close(client.pointer) }
        worker.stop()
    }

    /// Up to `maximum` messages: waits up to `timeout` for the first, then takes what is ready. Errors the brokers
    /// report (an unknown topic, brokers away) are logged, kept as `lastError` and do not end the poll.
    public func poll(maximum: Int, timeout: Duration) async throws -> [KafkaRecord] {
        try await pollBatch(maximum: maximum, timeout: timeout).records
    }

    /// `poll`, with the messages in one buffer (the stream worker's way: see `KafkaBatch`).
    public func pollBatch(maximum: Int, timeout: Duration) async throws -> KafkaBatch {
        let client = self.client
        let (state, nudge) = (self.state, self.nudge)
        let milliseconds = timeout.milliseconds
        return try await worker.run {
            var batch = KafkaBatch(capacity: min(maximum, 10_000), client: client)
            var wait = milliseconds
            var topics: [OpaquePointer: String] = [:]
            while batch.count < maximum, let message = rd_kafka_consumer_poll(client.pointer, wait) {
                wait = 0
                let error = message.pointee.err
                if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    Self.append(message, to: &batch, topics: &topics)  // the batch destroys it
                    continue
                }
                if error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let failure = KafkaError(error, doing: Self.errorContext(message))
                    state.lock.withLock { $0.lastError = failure }
                }
                rd_kafka_message_destroy(message)
            }
            if !batch.isEmpty {
                let assigned = state.lock.withLock { state in
                    state.lastError = nil
                    return state.assignment
                }
                nudge.polled(full: batch.count == maximum, client, assigned: assigned)
            }
            return batch
        }
    }

    /// Tells the group how far this member got (next offsets), for the lag others see; asynchronous, never read back.
    public func commit(_ offsets: [KafkaPartition: Int64]) {
        guard !offsets.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (partition, offset) in offsets { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset }
        _ = rd_kafka_commit(client.pointer, list, 1)
        rd_kafka_topic_partition_list_destroy(list)
    }

    /// The end of each assigned partition as the last fetch saw it (no request to the brokers): `end - next offset`
    /// is what is left to read.
    public func endOffsets() -> [KafkaPartition: Int64] {
        var ends: [KafkaPartition: Int64] = [:]
        for partition in assignment {
            var low: Int64 = 0
            var high: Int64 = 0
            if rd_kafka_get_watermark_offsets(client.pointer, partition.topic, partition.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 {
                ends[partition] = high
            }
        }
        return ends
    }

    /// The partitions this member holds now.
    public var assignment: Set<KafkaPartition> { state.lock.withLock { $0.assignment } }

    /// The latest error the brokers reported, until messages flow again.
    public var lastError: KafkaError? { state.lock.withLock { $0.lastError } }

    private static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [KafkaPartition] {
        (0..<Int(list.pointee.cnt)).map { KafkaPartition(topic: String(cString: list.pointee.elems[$0].topic), partition: list.pointee.elems[$0].partition) }
    }

    private static func errorContext(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        guard let topic = message.pointee.rkt else { return "consuming" }
        return "consuming \(String(cString: rd_kafka_topic_name(topic)))[\(message.pointee.partition)]"
    }

    private static func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>, to batch: inout KafkaBatch, topics: inout [OpaquePointer: String]) {
        let m = message.pointee
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        // A topic's name is read once a poll, not once a message.
        let topic = m.rkt.map { handle in
            if let known = topics[handle] { return known }
            let name = String(cString: rd_kafka_topic_name(handle))
            topics[handle] = name
            return name
        } ?? ""
        batch.append(
            message, partition: KafkaPartition(topic: topic, partition: m.partition), timestamp: type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}
