import CRdKafka
import Logging
import Synchronization

/// What librdkafka's callbacks need of ours, reached through the client's opaque pointer: the logger its logs go
/// to, the delivery reports a producer waits for, and a consumer's rebalance hooks. Retained while the client
/// lives (`Unmanaged`), released after `rd_kafka_destroy`.
final class KafkaClientContext: Sendable {
    let logger: Logger
    /// Delivery failures by the id a message was produced with; successes are only counted.
    let deliveries = Mutex<(delivered: Int, failed: [Int: KafkaError])>((0, [:]))
    let rebalance: Rebalance?

    struct Rebalance: Sendable {
        /// The next offset to read of each partition newly assigned, from the consumer's own store; nil for none.
        let startingOffsets: @Sendable ([KafkaPartition]) -> [KafkaPartition: Int64]
        let assigned: @Sendable ([KafkaPartition]) -> Void
        let revoked: @Sendable ([KafkaPartition]) -> Void
    }

    init(logger: Logger, rebalance: Rebalance? = nil) {
        self.logger = logger
        self.rebalance = rebalance
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> KafkaClientContext? {
        opaque.map { Unmanaged<KafkaClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Sets the callbacks on `conf` and makes this context its opaque; returns the retain to release after destroy.
    func attach(to conf: OpaquePointer) -> Unmanaged<KafkaClientContext> {
        let retained = Unmanaged.passRetained(self)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, message in
            guard let client, let context = KafkaClientContext.from(rd_kafka_opaque(client)) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let name = String(cString: rd_kafka_name(client))
            context.logger.log(
                level: KafkaClientContext.level(level), "\(text)",
                metadata: ["kafka.client": "\(name)", "kafka.facility": "\(facility.map { String(cString: $0) } ?? "")"])
        }
        rd_kafka_conf_set_error_cb(conf) { client, error, reason, opaque in
            guard let context = KafkaClientContext.from(opaque) else { return }
            let name = client.map { String(cString: rd_kafka_name($0)) } ?? ""
            context.logger.warning(
                "\(reason.map { String(cString: $0) } ?? "")",
                metadata: ["kafka.client": "\(name)", "kafka.error": "\(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(error))))"])
        }
        return retained
    }

    /// syslog levels, as librdkafka gives them, to swift-log's.
    static func level(_ level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}

/// One partition of one topic.
public struct KafkaPartition: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
}
