import CRdKafka
import Foundation
public import Logging
import Synchronization

/// A Kafka producer over librdkafka. `send` hands a batch to librdkafka, waits (on the producer's own thread) until
/// the brokers acknowledged every message or the time is up, and reports the ones that failed: a caller that
/// commits its input only after `send` returns loses nothing.
public final class KafkaProducer: Sendable {
    private let client: KafkaClientHandle
    private let context: KafkaClientContext
    private let worker: BlockingWorker
    private let nextID = Atomic<Int>(1)
    /// Topic handles made ahead of the first message (`prepare`), destroyed with the producer.
    private let prepared = Mutex<[String: KafkaTopicHandle]>([:])

    /// - Parameter properties: added to the configuration's (acks, compression, `client.id`…).
    public init(configuration: KafkaConfiguration, properties: [String: String] = [:], logger: Logger) throws(KafkaError) {
        let conf = try configuration.make(["enable.idempotence": "true", "linger.ms": "5"].merging(properties) { $1 })
        context = KafkaClientContext(logger: logger)
        let retained = context.attach(to: conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let context = KafkaClientContext.from(opaque) else { return }
            let id = Int(bitPattern: message.pointee._private)
            let error = message.pointee.err
            context.deliveries.withLock { state in
                if error == RD_KAFKA_RESP_ERR_NO_ERROR { state.delivered += 1 } else {
                    state.failed[id] = KafkaError(error, doing: "delivering to \(String(cString: rd_kafka_topic_name(message.pointee.rkt)))")
                }
            }
        }
        client = try KafkaClientHandle(type: RD_KAFKA_PRODUCER, conf: conf, context: retained)
        worker = BlockingWorker(name: "kafka-producer")
    }

    deinit {
        worker.stop()
        // Before the client handle goes (stored properties are released after this body).
        prepared.withLock { $0.removeAll() }
    }

    /// Makes `topic` known to librdkafka now, so that its metadata is fetched before the first message to it:
    /// librdkafka 2.0.2 asks for a new topic's metadata only at its next scan of topics, up to a second after the first
    /// message named it, and the message (and whoever waits for its acknowledgement) waits that long.
    public func prepare(topic: String) {
        prepared.withLock { handles in
            guard handles[topic] == nil, let topicHandle = rd_kafka_topic_new(client.pointer, topic, nil) else { return }
            handles[topic] = KafkaTopicHandle(pointer: topicHandle)
        }
    }

    /// The librdkafka handle, for the embedded broker (`KafkaMockCluster`), which lives as long as it does.
    var handle: OpaquePointer { client.pointer }

    /// Produces `messages` and waits until each is acknowledged.
    /// - Throws: the first failure among them (a message too large, an unknown topic, brokers down past `timeout`).
    public func send(_ messages: [KafkaMessage], timeout: Duration = .seconds(30)) async throws {
        guard !messages.isEmpty else { return }
        try await worker.run { [self] in try sendWaiting(messages, timeout: timeout) }
    }

    /// The same, blocking the calling thread: for a thread of the caller's own that may wait (never one of Swift's
    /// cooperative pool). Several threads may send at once.
    public func sendWaiting(_ messages: [KafkaMessage], timeout: Duration = .seconds(30)) throws(KafkaError) {
        guard !messages.isEmpty else { return }
        let first = nextID.add(messages.count, ordering: .relaxed).oldValue
        let ids = first..<(first + messages.count)
        for (id, message) in zip(ids, messages) { try Self.enqueue(message, id: id, on: client.pointer) }
        let flushed = rd_kafka_flush(client.pointer, timeout.milliseconds)
        let failure = context.deliveries.withLock { state -> KafkaError? in
            var first: KafkaError?
            for id in ids { if let failed = state.failed.removeValue(forKey: id), first == nil { first = failed } }
            return first
        }
        if let failure { throw failure }
        if flushed != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(flushed, doing: "waiting for the brokers to acknowledge \(messages.count) messages") }
    }

    private static func enqueue(_ message: KafkaMessage, id: Int, on handle: OpaquePointer) throws(KafkaError) {
        while true {
            var headers: OpaquePointer?
            if !message.headers.isEmpty {
                headers = rd_kafka_headers_new(message.headers.count)
                for (name, value) in message.headers {
                    _ = value.withUnsafeBytes { rd_kafka_header_add(headers, name, -1, $0.baseAddress, $0.count) }
                }
            }
            let error = message.value.withUnsafeBytes { value in
                (message.key ?? []).withUnsafeBytes { key in
                    ao_rd_kafka_produce(
                        handle, message.topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                        message.key == nil ? nil : key.baseAddress, message.key == nil ? 0 : key.count,
                        value.baseAddress, value.count, headers, UnsafeMutableRawPointer(bitPattern: id))
                }
            }
            if error == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if let headers { rd_kafka_headers_destroy(headers) }
            // librdkafka's queue is full: serve delivery reports for a moment, then try again.
            guard error == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError(error, doing: "producing to \(message.topic)") }
            rd_kafka_poll(handle, 50)
        }
    }

    /// Messages acknowledged since the producer started.
    public var delivered: Int { context.deliveries.withLock { $0.delivered } }
}

/// An `rd_kafka_topic_t` the application holds (librdkafka's handles are safe from any thread).
final class KafkaTopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { rd_kafka_topic_destroy(pointer) }
}

/// An `rd_kafka_t`: librdkafka documents its handles as safe to use from any thread, which is what `Sendable`
/// promises here. Destroyed (after a flush for producers) when the last reference goes.
final class KafkaClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    private let context: Unmanaged<KafkaClientContext>

    init(type: rd_kafka_type_t, conf: OpaquePointer, context: Unmanaged<KafkaClientContext>) throws(KafkaError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let pointer = rd_kafka_new(type, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(code: "config", message: "cannot create the Kafka client: \(cText(error))")
        }
        self.pointer = pointer
        self.context = context
    }

    deinit {
        rd_kafka_destroy(pointer)
        context.release()
    }
}
