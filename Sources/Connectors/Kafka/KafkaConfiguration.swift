import CRdKafka

/// librdkafka properties (`bootstrap.servers`, `security.protocol`, `sasl.*`, `client.id`…), passed through as
/// given, so that a real cluster's settings need no code of ours.
public struct KafkaConfiguration: Sendable, Equatable {
    public var properties: [String: String]

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrapServers
    }

    /// A new `rd_kafka_conf_t` with `defaults`, then the properties, then `extra` (ours win over the user's, the user's
    /// over the defaults); the caller owns it.
    /// - Throws: the first property librdkafka refuses, with its own message.
    func make(_ extra: [String: String] = [:], defaults: [String: String] = [:]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var error = [CChar](repeating: 0, count: 512)
        let merged = defaults.merging(properties, uniquingKeysWith: { $1 }).merging(extra, uniquingKeysWith: { $1 })
        for (name, value) in merged.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &error, error.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: "config", message: "Kafka property \(name): \(cText(error))")
            }
        }
        return conf
    }
}
