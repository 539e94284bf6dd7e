import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/streams`: Kafka as the daemon sees it (bootstrap, topics with partitions and ends, consumer groups
/// with members, offsets and lag, and what keeps a stream from flowing). Any role; not for tokens scoped to
/// pipelines (it names every topic and group).
struct StreamsController: Sendable {
    let streams: (any StreamsProvider)?

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("streams") { _, context in
            _ = try context.require(.read, for: .everything)
            guard let streams else { throw APIError.notFound("this daemon has no Kafka connection") }
            return StreamsView(await streams.streamsReport())
        }
    }
}

struct StreamsView: ResponseEncodable {
    struct Partition: Encodable {
        let partition: Int32
        let low: Int64
        let high: Int64
    }

    struct Topic: Encodable {
        let name: String
        let partitions: [Partition]
        let error: String?
    }

    struct Position: Encodable {
        let topic: String
        let partition: Int32
        let next: Int64
        let end: Int64?
        let lag: Int64?
    }

    struct Group: Encodable {
        let name: String
        let pipeline: String?
        let state: String?
        let members: [String]
        let positions: [Position]
        let lag: Int64?
        let error: String?
        let elasticsearch: SearchWriterReport?
    }

    let bootstrap: String
    let embedded: Bool
    let reachable: Bool
    let error: String?
    let brokers: Int
    let topics: [Topic]
    let groups: [Group]

    init(_ report: StreamsReport) {
        bootstrap = report.bootstrap
        embedded = report.embedded
        reachable = report.error == nil
        error = report.error
        brokers = report.brokers
        topics = report.topics.map { Topic(name: $0.name, partitions: $0.partitions.map { Partition(partition: $0.id, low: $0.low, high: $0.high) }, error: $0.error) }
        groups = report.groups.map { group in
            let lags = group.positions.compactMap(\.lag)
            return Group(
                name: group.name, pipeline: group.pipeline?.rawValue, state: group.state, members: group.members,
                positions: group.positions.map { Position(topic: $0.topic, partition: $0.partition, next: $0.next, end: $0.end, lag: $0.lag) },
                lag: lags.count == group.positions.count && !lags.isEmpty ? lags.reduce(0, +) : nil, error: group.error,
                elasticsearch: group.elasticsearch)
        }
    }
}
