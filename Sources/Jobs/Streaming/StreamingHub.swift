public import Connectors
public import Foundation
public import Logging
public import Scheduler
import Synchronization

/// What the streaming kinds share in a daemon: how to reach Kafka, where their stores live, and the groups now
/// running, which the API reads figures from (`FiguresProvider`).
public final class StreamingHub: FiguresProvider, StreamsProvider {
    public let kafka: KafkaConfiguration
    /// Where the figures workers write their documents for Kibana; nil: nowhere.
    let elasticsearch: ElasticsearchConfiguration?
    /// Whether `kafka` is the daemon's embedded broker.
    let embedded: Bool
    private let inspector = Mutex<KafkaClusterInspector?>(nil)
    let dataDirectory: URL
    let logger: Logger
    private let groups = Mutex<[String: RunningGroup]>([:])
    private let subscribers = Mutex<[UUID: AsyncStream<FiguresGroup>.Continuation]>([:])

    /// A figures worker as the API sees it.
    final class RunningGroup: Sendable {
        let pipeline: PipelineID
        let worker: FiguresWorker

        init(pipeline: PipelineID, worker: FiguresWorker) {
            self.pipeline = pipeline
            self.worker = worker
        }
    }

    public init(
        kafka: KafkaConfiguration, embedded: Bool = false, elasticsearch: ElasticsearchConfiguration? = nil, dataDirectory: URL, logger: Logger
    ) {
        self.kafka = kafka
        self.elasticsearch = elasticsearch
        self.embedded = embedded
        self.dataDirectory = dataDirectory
        self.logger = logger
    }

    /// The store file of a group's figures (`<data>/streams/<group>.sqlite`; the name is checked by the kind).
    func storePath(group: String) throws -> String {
        let directory = dataDirectory.appendingPathComponent("streams")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory.appendingPathComponent("\(group).sqlite").path
    }

    func started(_ group: String, _ running: RunningGroup) { groups.withLock { $0[group] = running } }
    func stopped(_ group: String) { groups.withLock { $0[group] = nil } }

    public func figureChanges() -> AsyncStream<FiguresGroup> {
        let (stream, continuation) = AsyncStream.makeStream(of: FiguresGroup.self, bufferingPolicy: .bufferingNewest(32))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { $0[id] = nil } }
        return stream
    }

    /// Tells the live listeners that `group`'s figures changed.
    func changed(_ group: String, pipeline: PipelineID) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(FiguresGroup(group: group, pipeline: pipeline)) }
    }

    public func figuresSummary(group: String, now: Date) throws -> FiguresSummary? {
        guard let running = groups.withLock({ $0[group] }) else { return nil }
        let sellers = try running.worker.store.sellers()
        let totals = try running.worker.store.totals()
        let currentHour = Int64(now.timeIntervalSince1970) - ((Int64(now.timeIntervalSince1970) % 3600) + 3600) % 3600
        let hours = try running.worker.store.hourlyRevenue(since: currentHour - 23 * 3600)
        func leaders(_ order: (SellerState, SellerState) -> Bool) -> [FiguresSummary.Leader] {
            sellers.sorted { a, b in order(a.value, b.value) || (!order(b.value, a.value) && a.key < b.key) }.prefix(10).map {
                FiguresSummary.Leader(sellerID: $0.key, sellerName: $0.value.name, dealsWon: $0.value.won, revenueUSD: SellerFigures.cents($0.value.revenueUSD))
            }
        }
        let byHour = (0..<24).map { index -> FiguresSummary.Hour in
            let start = currentHour - Int64(23 - index) * 3600
            let hour = hours[start]
            return FiguresSummary.Hour(
                start: Date(timeIntervalSince1970: TimeInterval(start)), dealsWon: hour?.won ?? 0, revenueUSD: SellerFigures.cents(hour?.revenueUSD ?? 0))
        }
        return FiguresSummary(
            group: group, pipeline: running.pipeline, topByRevenue: leaders { $0.revenueUSD > $1.revenueUSD }, topByDealsWon: leaders { $0.won > $1.won },
            dealsInProgress: sellers.values.reduce(0) { $0 + $1.open }, revenueUSD: SellerFigures.cents(sellers.values.reduce(Decimal(0)) { $0 + $1.revenueUSD }),
            revenueByHour: byHour, events: totals.events, deadLetters: totals.deadLetters, eventsPerSecond: running.worker.meter.rate(),
            lag: lag(of: running))
    }

    private func lag(of running: RunningGroup) -> Int64? {
        let next = (try? running.worker.store.startingOffsets(Array(running.worker.consumer.assignment))) ?? [:]
        let ends = running.worker.consumer.endOffsets()
        return ends.isEmpty ? nil : ends.reduce(0) { $0 + max(0, $1.value - next[$1.key, default: 0]) }
    }

    public func streamsReport() async -> StreamsReport {
        let bootstrap = kafka.properties["bootstrap.servers"] ?? ""
        let running = groups.withLock { $0 }
        var description: KafkaClusterInspector.Description?
        var failure: String?
        do {
            let inspector = try inspector.withLock { inspector in
                if let inspector { return inspector }
                let made = try KafkaClusterInspector(configuration: kafka, logger: logger)
                inspector = made
                return made
            }
            description = try await inspector.describe()
        } catch {
            failure = "cannot reach Kafka at \(bootstrap): \(error)"
        }
        let ends = Dictionary(
            (description?.topics ?? []).flatMap { topic in topic.partitions.map { (KafkaPartition(topic: topic.name, partition: $0.id), $0.high) } },
            uniquingKeysWith: max)
        var reported: [StreamsReport.Group] = []
        for (name, group) in running.sorted(by: { $0.key < $1.key }) {
            let assigned = group.worker.consumer.assignment.sorted()
            let next = (try? group.worker.store.startingOffsets(assigned)) ?? [:]
            let listed = description?.groups.first { $0.name == name }
            reported.append(StreamsReport.Group(
                name: name, pipeline: group.pipeline, state: listed?.state, members: listed?.members.map(\.clientID) ?? [],
                positions: assigned.map { StreamsReport.Position(topic: $0.topic, partition: $0.partition, next: next[$0, default: 0], end: ends[$0]) },
                error: group.worker.lastError?.description, elasticsearch: group.worker.search?.report()))
        }
        for listed in description?.groups ?? [] where running[listed.name] == nil {
            reported.append(StreamsReport.Group(
                name: listed.name, pipeline: nil, state: listed.state, members: listed.members.map(\.clientID), positions: [], error: listed.error))
        }
        return StreamsReport(
            bootstrap: bootstrap, embedded: embedded, error: failure, brokers: description?.brokers ?? 0,
            topics: (description?.topics ?? []).map { topic in
                StreamsReport.Topic(name: topic.name, partitions: topic.partitions.map { .init(id: $0.id, low: $0.low, high: $0.high) }, error: topic.error)
            },
            groups: reported)
    }

    public func figureGroups() -> [FiguresGroup] {
        groups.withLock { $0.map { FiguresGroup(group: $0.key, pipeline: $0.value.pipeline) } }.sorted { $0.group < $1.group }
    }

    public func sellerFigures(group: String) throws -> SellerFiguresTable? {
        guard let running = groups.withLock({ $0[group] }) else { return nil }
        let sellers = try running.worker.store.sellers()
        let totals = try running.worker.store.totals()
        let lag = lag(of: running)
        let rows = sellers.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { id in
            let s = sellers[id]!
            return SellerFiguresRow(
                sellerID: id, sellerName: s.name, dealsWon: s.won, dealsLost: s.lost, dealsOpen: s.open, revenueUSD: SellerFigures.cents(s.revenueUSD),
                conversion: s.conversionText)
        }
        return SellerFiguresTable(
            group: group, pipeline: running.pipeline, sellers: rows, csv: SellerFigures.csv(sellers), events: totals.events,
            duplicates: totals.duplicates, deadLetters: totals.deadLetters, eventsPerSecond: running.worker.meter.rate(), lag: lag)
    }
}

/// Events per second over the last five seconds.
final class RateMeter: Sendable {
    private let samples = Mutex<[(at: ContinuousClock.Instant, count: Int)]>([])

    func record(_ count: Int) {
        let now = ContinuousClock.now
        samples.withLock { samples in
            samples.append((now, count))
            samples.removeAll { now - $0.at > .seconds(5) }
        }
    }

    func rate() -> Double {
        let now = ContinuousClock.now
        return samples.withLock { samples in
            let recent = samples.filter { now - $0.at <= .seconds(5) }
            return Double(recent.reduce(0) { $0 + $1.count }) / 5
        }
    }
}
