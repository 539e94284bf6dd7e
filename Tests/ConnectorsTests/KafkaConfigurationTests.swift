import CRdKafka
import Testing

@testable import Connectors

/// What a client is configured with: our defaults, then the user's `kafka.properties`, then what our code needs.
@Suite struct KafkaConfigurationTests {
    private func value(_ name: String, in conf: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func theUsersPropertiesWinOverOurDefaultsAndOursOverTheUsers() throws {
        let plain = try KafkaConfiguration(bootstrapServers: "127.0.0.1:1").make(["group.id": "ours"], defaults: ["session.timeout.ms": "10000"])
        defer { rd_kafka_conf_destroy(plain) }
        #expect(value("session.timeout.ms", in: plain) == "10000")

        let user = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["session.timeout.ms": "30000", "group.id": "theirs"])
        let given = try user.make(["group.id": "ours"], defaults: ["session.timeout.ms": "10000"])
        defer { rd_kafka_conf_destroy(given) }
        #expect(value("session.timeout.ms", in: given) == "30000")
        #expect(value("group.id", in: given) == "ours")
    }
}
