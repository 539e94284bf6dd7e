public import Scheduler

/// The settings file's `kafka:` section. Without `brokers`, the daemon starts librdkafka's embedded broker on
/// loopback and creates the topics it needs there.
///
/// ```yaml
/// kafka:
///   brokers: kafka-1:9092,kafka-2:9092
///   properties: {security.protocol: SASL_SSL, sasl.mechanism: PLAIN, client.id: autooptimize}
/// ```
public struct KafkaSettings: SettingsSection, Equatable {
    public static let key = "kafka"
    /// `bootstrap.servers`; nil: the embedded broker.
    public var brokers: String?
    /// Any librdkafka property, passed through as given.
    public var properties: [String: String] = [:]
    /// Partitions of the topics the embedded broker creates (it keeps about 5 MiB per partition).
    public var partitions = 8

    public init(brokers: String? = nil, properties: [String: String] = [:], partitions: Int = 8) {
        self.brokers = brokers
        self.properties = properties
        self.partitions = partitions
    }

    enum CodingKeys: String, CodingKey {
        case brokers, properties, partitions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        brokers = try container.decodeIfPresent(String.self, forKey: .brokers)
        properties = try container.decodeIfPresent([String: String].self, forKey: .properties) ?? [:]
        partitions = try container.decodeIfPresent(Int.self, forKey: .partitions) ?? 8
        guard (1...256).contains(partitions) else {
            throw DecodingError.dataCorruptedError(forKey: .partitions, in: container, debugDescription: "partitions must be from 1 to 256")
        }
    }
}
