/// Kafka as the daemon sees it, for `GET /api/v1/streams` and the panel: where it is, its topics, and the consumer
/// groups with how far each of ours has got. `Jobs` fills it (`StreamingHub`).
public protocol StreamsProvider: Sendable {
    func streamsReport() async -> StreamsReport
}

public struct StreamsReport: Sendable {
    public struct Partition: Sendable {
        public let id: Int32
        public let low: Int64
        public let high: Int64
        public init(id: Int32, low: Int64, high: Int64) {
            self.id = id
            self.low = low
            self.high = high
        }
    }

    public struct Topic: Sendable {
        public let name: String
        public let partitions: [Partition]
        public let error: String?
        public init(name: String, partitions: [Partition], error: String?) {
            self.name = name
            self.partitions = partitions
            self.error = error
        }
    }

    /// How far one of a group's partitions has been read.
    public struct Position: Sendable {
        public let topic: String
        public let partition: Int32
        /// The next offset to apply (the group's own store), and the partition's end.
        public let next: Int64
        public let end: Int64?
        public var lag: Int64? { end.map { max(0, $0 - next) } }
        public init(topic: String, partition: Int32, next: Int64, end: Int64?) {
            self.topic = topic
            self.partition = partition
            self.next = next
            self.end = end
        }
    }

    public struct Group: Sendable {
        public let name: String
        /// The pipeline whose worker this is; nil for groups of other programs.
        public let pipeline: PipelineID?
        public let state: String?
        /// Client ids of the members.
        public let members: [String]
        public let positions: [Position]
        /// What keeps the group's stream from flowing, until messages flow again.
        public let error: String?
        /// Its Elasticsearch writer, when Elasticsearch is configured.
        public let elasticsearch: SearchWriterReport?
        public init(
            name: String, pipeline: PipelineID?, state: String?, members: [String], positions: [Position], error: String?,
            elasticsearch: SearchWriterReport? = nil
        ) {
            self.name = name
            self.pipeline = pipeline
            self.state = state
            self.members = members
            self.positions = positions
            self.error = error
            self.elasticsearch = elasticsearch
        }
    }

    public let bootstrap: String
    /// The daemon's own embedded broker (data in memory).
    public let embedded: Bool
    /// Whether the brokers answered; `error` says why not.
    public let error: String?
    public let brokers: Int
    public let topics: [Topic]
    public let groups: [Group]

    public init(bootstrap: String, embedded: Bool, error: String?, brokers: Int, topics: [Topic], groups: [Group]) {
        self.bootstrap = bootstrap
        self.embedded = embedded
        self.error = error
        self.brokers = brokers
        self.topics = topics
        self.groups = groups
    }
}

/// How a figures group's Elasticsearch writer stands: documents waiting for an acknowledgement, sent, refused (to the
/// dead-letter topic), and what keeps it from sending, until it sends again.
public struct SearchWriterReport: Sendable, Equatable, Encodable {
    public let url: String
    public let pending: Int
    public let indexed: Int
    public let rejected: Int
    public let error: String?
    public init(url: String, pending: Int, indexed: Int, rejected: Int, error: String?) {
        self.url = url
        self.pending = pending
        self.indexed = indexed
        self.rejected = rejected
        self.error = error
    }
}
