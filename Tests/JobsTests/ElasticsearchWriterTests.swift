import Connectors
import Foundation
import Logging
import Scheduler
import SchedulerTesting
import StandIns
import Testing

@testable import Jobs

/// The figures' way to Elasticsearch: a worker consumes the fixture from librdkafka's embedded broker and its writer
/// sends the outbox to a stand-in that checks each `_bulk` request as Elasticsearch does.
@Suite(.timeLimit(.minutes(3))) struct ElasticsearchWriterTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sales-events")
    private let logger: Logger = {
        var logger = Logger(label: "es-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    private func messages() throws -> [(key: String, value: [UInt8])] {
        try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n").map { line in
            let tab = line.firstIndex(of: "\t")!
            return (String(line[..<tab]), Array(line[line.index(after: tab)...].utf8))
        }
    }

    /// The events the figures count, by id: each valid message's first delivery.
    private func countedEvents() throws -> [String: (event: SaleEvent, message: [String: Any])] {
        let rates = try FXRates(csv: String(contentsOf: Self.fixtures.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
        var events: [String: (SaleEvent, [String: Any])] = [:]
        for message in try messages() {
            guard let event = try? SaleEvent.parse(message.value, rates: rates), events[event.eventID.description] == nil else { continue }
            events[event.eventID.description] = (event, try JSONSerialization.jsonObject(with: Data(message.value)) as! [String: Any])
        }
        return events
    }

    private struct Setup {
        let cluster: KafkaMockCluster
        let kafka: KafkaConfiguration
        let directory: TemporaryDirectory
        let count: Int
    }

    private func setup() async throws -> Setup {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try cluster.createTopic("sales.events", partitions: 4)
        try cluster.createTopic("sales.events.dlq", partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrap)
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let all = try messages()
        try await producer.send(all.map { KafkaMessage(topic: "sales.events", key: Array($0.key.utf8), value: $0.value) })
        return Setup(cluster: cluster, kafka: kafka, directory: try TemporaryDirectory(), count: all.count)
    }

    private func worker(_ setup: Setup, elasticsearch url: String) throws -> FiguresWorker {
        try FiguresWorker(
            kafka: setup.kafka, group: "figures", topic: "sales.events", deadLetterTopic: "sales.events.dlq",
            fxRatesPath: Self.fixtures.appendingPathComponent("fx_rates.csv").path, storePath: setup.directory.appending("figures.sqlite").path,
            elasticsearch: ElasticsearchConfiguration(url: url, timeout: .seconds(5)), logger: logger)
    }

    private func consumeAll(_ worker: FiguresWorker, _ count: Int) async throws {
        try await eventually(within: 60, "the whole topic consumed") {
            try await worker.step(timeout: .milliseconds(100))
            let totals = try worker.totals()
            return totals.events + totals.duplicates + totals.deadLetters == count
        }
    }

    /// Every event and seller document arrives exactly as the figures say, through 503s, per-item 429s and a 400.
    @Test func everyDocumentArrivesExactlyThroughRefusalsAndThrottling() async throws {
        let setup = try await setup()
        defer { setup.directory.remove() }
        let counted = try countedEvents()
        let refusedID = counted.keys.sorted()[7]
        var faults = ElasticsearchStandIn.Faults()
        faults.unavailableRequests = 2
        faults.throttledOnce = { id in id.utf8.reduce(0) { $0 &+ Int($1) } % 5 == 0 }
        faults.refused = [refusedID]
        let elasticsearch = try await ElasticsearchStandIn(faults: faults)
        let worker = try worker(setup, elasticsearch: elasticsearch.url)
        let writer = Task { await worker.search!.run() }
        defer { writer.cancel() }
        try await consumeAll(worker, setup.count)
        try await eventually(within: 60, "the outbox emptied") { try worker.store.pendingCount() == 0 }

        #expect(elasticsearch.violations == [])
        #expect(elasticsearch.templateNames == ["sales-events", "sales-seller-figures"])
        #expect(!elasticsearch.throttled.isEmpty, "some items were answered 429 and sent again")
        #expect(contractCSV(fromSellerDocuments: elasticsearch.documents(in: "sales-seller-figures"))
            == (try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)))
        var found = 0
        // Each index read once (the stand-in parses its documents at every read).
        let eventIndices = Dictionary(uniqueKeysWithValues: elasticsearch.indices.filter { $0.hasPrefix("sales-events-") }.map { ($0, elasticsearch.documents(in: $0)) })
        for (id, expected) in counted where id != refusedID {
            let document = eventIndices["sales-events-" + expected.event.details!.month.replacingOccurrences(of: "-", with: ".")]?[id]
            #expect(document != nil, "event \(id) in its month's index")
            guard let document else { continue }
            found += 1
            for (field, value) in expected.message where ["event_id", "type", "occurred_at", "deal_id", "seller_id", "seller_name", "dealer_id", "country", "amount", "currency"].contains(field) {
                #expect((document[field] as? NSObject) == (value as? NSObject), "\(id).\(field)")
            }
            if let usd = expected.event.revenueUSD {
                #expect((document["amount_usd"] as? NSNumber)?.doubleValue == Double(SellerFigures.cents(usd)), "\(id).amount_usd")
            }
        }
        #expect(found == counted.count - 1)
        #expect(eventIndices.values.reduce(0) { $0 + $1.count } == counted.count - 1)
        #expect(worker.search!.report().rejected == 1)

        // The refused document is in the dead-letter topic with Elasticsearch's reason.
        let reader = try KafkaConsumer(configuration: setup.kafka, group: "dlq-reader", topics: ["sales.events.dlq"], logger: logger)
        var refused: KafkaRecord?
        try await eventually(within: 30, "the refused document in the dead-letter topic") {
            let records = try await reader.poll(maximum: 1000, timeout: .milliseconds(100))
            if refused == nil {
                refused = records.first { record in record.headers.contains { $0.0 == "reason" && $0.1 == Array("elasticsearch_rejected".utf8) } }
            }
            return refused != nil
        }
        #expect(refused?.key == Array(refusedID.utf8))
        let detail = String(decoding: refused?.headers.first { $0.0 == "detail" }?.1 ?? [], as: UTF8.self)
        #expect(detail.contains("mapper_parsing_exception"))
    }

    /// With Elasticsearch away, the figures go on and the documents wait on disk; a new worker on the same store (a
    /// restart) sends them all once it is back.
    @Test func documentsWaitForElasticsearchAndSurviveARestart() async throws {
        let setup = try await setup()
        defer { setup.directory.remove() }
        let reserved = ReservedPort()  // nothing listens on it: connections are refused
        let port = reserved.port

        do {
            let worker = try worker(setup, elasticsearch: "http://127.0.0.1:\(port)")
            let writer = Task { await worker.search!.run() }
            try await consumeAll(worker, setup.count)
            try await eventually(within: 30, "the writer saying Elasticsearch is away") {
                (worker.search!.report().error ?? "").contains("unreachable")
            }
            #expect(try worker.store.pendingCount() > 0)
            writer.cancel()
            await writer.value
        }
        let counted = try countedEvents()
        let elasticsearch = try await ElasticsearchStandIn(port: port)
        withExtendedLifetime(reserved) {}
        let worker = try worker(setup, elasticsearch: elasticsearch.url)
        let writer = Task { await worker.search!.run() }
        defer { writer.cancel() }
        try await eventually(within: 60, "the outbox sent after the restart") { try worker.store.pendingCount() == 0 }
        #expect(elasticsearch.violations == [])
        #expect(elasticsearch.indices.filter { $0.hasPrefix("sales-events-") }.flatMap { elasticsearch.documents(in: $0).keys }.count == counted.count)
        #expect(contractCSV(fromSellerDocuments: elasticsearch.documents(in: "sales-seller-figures"))
            == (try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)))
    }
}
