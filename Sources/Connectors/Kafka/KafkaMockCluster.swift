import CRdKafka
public import Logging

/// librdkafka's own Kafka-protocol broker (`rdkafka_mock.h`), in this process, on loopback ports: real Kafka
/// clients (ours, `kcat`) produce to it and consume from it. It keeps about 5 MiB per partition and drops older
/// messages silently (PLATFORM.md): topics that must hold more need more partitions.
public final class KafkaMockCluster: Sendable {
    private let cluster: MockClusterHandle
    public let bootstrap: String

    public init(brokers: Int = 3, logger: Logger) throws(KafkaError) {
        // Any client may own the cluster; this one has no broker of its own to reach (and would say so at notice level).
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let owner = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: ""), properties: ["client.id": "autooptimize-embedded-broker", "enable.idempotence": "false"],
            logger: quiet)
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: "mock", message: "librdkafka could not start its embedded broker")
        }
        self.cluster = MockClusterHandle(pointer: cluster, owner: owner)
        bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates `topic` with `partitions` partitions (the mock answers the admin API's CreateTopics badly: PLATFORM.md).
    public func createTopic(_ topic: String, partitions: Int) throws(KafkaError) {
        let error = rd_kafka_mock_topic_create(cluster.pointer, topic, Int32(partitions), 1)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, doing: "creating topic \(topic)") }
    }

    /// Takes a broker (1-based id) down or brings it back, to test clients through an outage.
    public func setBroker(_ id: Int32, up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(cluster.pointer, id) : rd_kafka_mock_broker_set_down(cluster.pointer, id)
    }

    /// Answers the next `count` produce requests, from any client, with "topic authorization failed" (an error no
    /// retry mends): a cluster that refuses writes, to test what waits for a write's acknowledgement.
    public func refuseProduceRequests(_ count: Int) {
        let errors = [rd_kafka_resp_err_t](repeating: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, count: count)
        rd_kafka_mock_push_request_errors_array(cluster.pointer, 0 /* Produce */, errors.count, errors)
    }

    /// Delays every answer of broker `id` by `milliseconds` (0: none): a broker that stops answering without closing
    /// its port. (Bringing a broker back up re-binds its old port, and librdkafka 2.0.2 aborts the process when
    /// another listener took it meanwhile: in-process tests use this instead.)
    public func setBroker(_ id: Int32, delay milliseconds: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster.pointer, id, milliseconds)
    }
}

/// The cluster's handle; librdkafka serves it on its own threads, and its calls are safe from any thread. It holds
/// the client it was made from, which must outlive it: destroyed first, then the client released.
final class MockClusterHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    private let owner: KafkaProducer

    init(pointer: OpaquePointer, owner: KafkaProducer) {
        self.pointer = pointer
        self.owner = owner
    }

    deinit { rd_kafka_mock_cluster_destroy(pointer) }
}
