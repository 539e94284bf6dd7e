import CRdKafka
import Foundation
public import Logging

/// What a Kafka cluster says of itself: its topics with their partitions and ends, and its consumer groups with
/// their members. Asked through a client of its own, on a thread of its own, with a time limit, so that brokers that
/// are away make an answer with an error in it, never a hang.
public final class KafkaClusterInspector: Sendable {
    private let client: KafkaClientHandle
    private let worker = BlockingWorker(name: "kafka-inspector")

    public struct Partition: Sendable, Equatable {
        public let id: Int32
        public let leader: Int32
        /// The first offset still held, and the next offset to be written.
        public let low: Int64
        public let high: Int64
        public let error: String?
    }

    public struct Topic: Sendable, Equatable {
        public let name: String
        public let partitions: [Partition]
        public let error: String?
    }

    public struct Member: Sendable, Equatable {
        public let id: String
        public let clientID: String
        public let host: String
    }

    public struct Group: Sendable, Equatable {
        public let name: String
        public let state: String
        public let members: [Member]
        public let error: String?
    }

    public struct Description: Sendable {
        public let brokers: Int
        public let topics: [Topic]
        public let groups: [Group]
    }

    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        let conf = try configuration.make(["client.id": "autooptimize-inspector"])
        let context = KafkaClientContext(logger: logger)
        client = try KafkaClientHandle(type: RD_KAFKA_PRODUCER, conf: conf, context: context.attach(to: conf))
    }

    deinit { worker.stop() }

    /// Topics (internal ones left out) and groups, within `timeout` for each question asked.
    /// - Throws: `KafkaError` when the brokers cannot be reached in time.
    public func describe(timeout: Duration = .seconds(3)) async throws -> Description {
        let client = self.client
        let milliseconds = timeout.milliseconds
        return try await worker.run {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(client.pointer, 1, nil, &metadata, milliseconds)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(error, doing: "asking the brokers for their topics") }
            defer { rd_kafka_metadata_destroy(metadata) }
            var topics: [Topic] = []
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                let name = String(cString: topic.topic)
                guard !name.hasPrefix("__") else { continue }
                let partitions = (0..<Int(topic.partition_cnt)).map { p -> Partition in
                    let partition = topic.partitions[p]
                    var low: Int64 = -1
                    var high: Int64 = -1
                    let error = rd_kafka_query_watermark_offsets(client.pointer, name, partition.id, &low, &high, milliseconds)
                    return Partition(
                        id: partition.id, leader: partition.leader, low: low, high: high,
                        error: error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(error, doing: "reading the ends of \(name)[\(partition.id)]").description)
                }
                topics.append(Topic(
                    name: name, partitions: partitions.sorted { $0.id < $1.id },
                    error: topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(topic.err, doing: name).description))
            }
            var groups: [Group] = []
            var list: UnsafePointer<rd_kafka_group_list>?
            if rd_kafka_list_groups(client.pointer, nil, &list, milliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
                defer { rd_kafka_group_list_destroy(list) }
                for index in 0..<Int(list.pointee.group_cnt) {
                    let group = list.pointee.groups[index]
                    let members = (0..<Int(group.member_cnt)).map { m in
                        Member(
                            id: String(cString: group.members[m].member_id), clientID: String(cString: group.members[m].client_id),
                            host: String(cString: group.members[m].client_host))
                    }
                    groups.append(Group(
                        name: String(cString: group.group), state: group.state.map { String(cString: $0) } ?? "", members: members,
                        error: group.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(group.err, doing: "group").description))
                }
            }
            return Description(brokers: Int(metadata.pointee.broker_cnt), topics: topics.sorted { $0.name < $1.name }, groups: groups.sorted { $0.name < $1.name })
        }
    }
}
