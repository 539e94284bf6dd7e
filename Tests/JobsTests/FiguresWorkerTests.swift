import Connectors
import Foundation
import Logging
import SchedulerTesting
import Testing

@testable import Jobs

/// The worker's lanes (one thread per file of the store, each parsing, dead-lettering and committing its partitions)
/// against librdkafka's embedded broker.
@Suite(.timeLimit(.minutes(3))) struct FiguresWorkerTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sales-events")
    private let logger: Logger = {
        var logger = Logger(label: "worker-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// A dead letter the brokers refuse stops the worker before the offsets that would skip its message are
    /// committed, and nothing after it is applied; a new worker resumes, and the figures come out exact.
    @Test func aRefusedDeadLetterStopsTheLanesAndLosesNothing() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try cluster.createTopic("sales.events", partitions: 4)
        try cluster.createTopic("sales.events.dlq", partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrap)
        let lines = try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n")
        let messages = lines.map { line in
            let tab = line.firstIndex(of: "\t")!
            return KafkaMessage(topic: "sales.events", key: Array(line[..<tab].utf8), value: Array(line[line.index(after: tab)...].utf8))
        }
        try await KafkaProducer(configuration: kafka, logger: logger).send(messages)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func worker() throws -> FiguresWorker {
            try FiguresWorker(
                kafka: kafka, group: "figures", topic: "sales.events", deadLetterTopic: "sales.events.dlq",
                fxRatesPath: Self.fixtures.appendingPathComponent("fx_rates.csv").path, storePath: directory.appending("figures.sqlite").path,
                logger: logger)
        }

        let inspector = try KafkaClusterInspector(configuration: kafka, logger: logger)
        func deadLettersInTopic() async throws -> Int64 {
            try await inspector.describe().topics.first { $0.name == "sales.events.dlq" }?.partitions.first?.high ?? -1
        }

        cluster.refuseProduceRequests(1)
        do {
            let first = try worker()
            var failure: (any Error)?
            try await eventually(within: 60, "the refused dead letter stops the worker") {
                do {
                    try await first.step(maximum: 50, timeout: .milliseconds(100))
                    try await first.flush()
                } catch {
                    failure = error
                }
                return failure != nil
            }
            let stopped = try first.totals()
            #expect(Int64(stopped.deadLetters) <= (try await deadLettersInTopic()), "no bad message skipped without its dead letter")
            #expect(stopped.events + stopped.duplicates + stopped.deadLetters < messages.count)
            // Stopped: no later batch is applied, whatever the lanes were given.
            await #expect(throws: (any Error).self) {
                for _ in 0..<5 { try await first.step(maximum: 50, timeout: .milliseconds(100)) }
                try await first.flush()
            }
            #expect(try first.totals() == stopped)
        }

        let second = try worker()
        try await eventually(within: 60, "the whole topic consumed after the restart") {
            try await second.step(timeout: .milliseconds(100))
            try await second.flush()
            let totals = try second.totals()
            return totals.events + totals.duplicates + totals.deadLetters == messages.count
        }
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)
        #expect(SellerFigures.csv(try second.store.sellers()) == expected)
        let rates = try FXRates(csv: String(contentsOf: Self.fixtures.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
        let bad = messages.filter { (try? SaleEvent.parse($0.value, rates: rates)) == nil }.count
        #expect(try second.totals().deadLetters == bad)
        #expect(try await deadLettersInTopic() >= Int64(bad))
    }
}
