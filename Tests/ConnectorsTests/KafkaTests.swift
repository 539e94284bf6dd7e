import Connectors
import Foundation
import Logging
import SchedulerTesting
import Synchronization
import Testing

/// Our Kafka client against librdkafka's own Kafka-protocol broker (the mock cluster), through real sockets.
@Suite(.timeLimit(.minutes(2))) struct KafkaTests {
    private let logger: Logger = {
        var logger = Logger(label: "kafka-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// Polls until `count` records have come, with a deadline (a group's first join takes about 3 s).
    private func consume(_ consumer: KafkaConsumer, count: Int, within seconds: Double = 30) async throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maximum: 1000, timeout: .milliseconds(200))
        }
        return records
    }

    @Test func messagesGoThroughTheEmbeddedBrokerWithKeysAndHeaders() async throws {
        let cluster = try KafkaMockCluster(logger: logger)
        try cluster.createTopic("sales", partitions: 4)
        let configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrap)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let messages = (0..<200).map { index in
            KafkaMessage(topic: "sales", key: Array("S-\(index % 7)".utf8), value: Array("{\"n\": \(index)}".utf8), headers: [("reason", Array("r\(index)".utf8))])
        }
        try await producer.send(messages)
        #expect(producer.delivered == 200)

        let consumer = try KafkaConsumer(configuration: configuration, group: "figures", topics: ["sales"], logger: logger)
        let records = try await consume(consumer, count: 200)
        #expect(records.count == 200)
        #expect(Set(records.map { String(decoding: $0.value, as: UTF8.self) }) == Set(messages.map { String(decoding: $0.value, as: UTF8.self) }))
        #expect(records.allSatisfy { String(decoding: $0.headers.first?.1 ?? [], as: UTF8.self) == "r" + String(decoding: $0.value, as: UTF8.self).dropFirst(6).dropLast() })
        // One key, one partition: what a seller's events need to stay in order.
        let partitionsByKey = Dictionary(grouping: records, by: { $0.key ?? [] }).mapValues { Set($0.map(\.partition)) }
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 })
        #expect(consumer.assignment.count == 4)
    }

    @Test func aBatchReadInPlaceOutlivesItsConsumerAndReadsHeadersOnlyWhenAsked() async throws {
        let cluster = try KafkaMockCluster(logger: logger)
        try cluster.createTopic("held", partitions: 2)
        let configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrap)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let messages = (0..<50).map { index in
            KafkaMessage(
                topic: "held", key: Array("k\(index)".utf8), value: Array("v\(index)".utf8),
                headers: index % 2 == 0 ? [("n", Array("\(index)".utf8)), ("empty", [])] : [])
        }
        try await producer.send(messages)
        var batches: [KafkaBatch] = []
        do {
            let consumer = try KafkaConsumer(configuration: configuration, group: "held", topics: ["held"], logger: logger)
            let deadline = ContinuousClock.now + .seconds(30)
            while batches.reduce(0, { $0 + $1.count }) < 50, ContinuousClock.now < deadline {
                batches.append(try await consumer.pollBatch(maximum: 7, timeout: .milliseconds(200)))
            }
        }
        // The consumer is gone; its messages are still readable where librdkafka put them, and go with the batches.
        var seen: [String: [(String, [UInt8])]] = [:]
        for batch in batches {
            for message in batch.messages {
                let value = batch.withValue(message) { String(decoding: $0, as: UTF8.self) }
                #expect(batch.key(message) == Array("k\(value.dropFirst())".utf8))
                seen[value] = batch.headers(message)
            }
        }
        #expect(seen.count == 50)
        for index in 0..<50 {
            let headers = seen["v\(index)"] ?? []
            #expect(headers.map(\.0) == (index % 2 == 0 ? ["n", "empty"] : []), "v\(index)")
            #expect(headers.map(\.1) == (index % 2 == 0 ? [Array("\(index)".utf8), []] : []), "v\(index)")
        }
        batches.removeAll()
    }

    @Test func aConsumerStartsWhereItsOwnerSaysNotWhereKafkaThinks() async throws {
        let cluster = try KafkaMockCluster(logger: logger)
        try cluster.createTopic("events", partitions: 1)
        let configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrap)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try await producer.send((0..<10).map { KafkaMessage(topic: "events", key: nil, value: Array("\($0)".utf8), partition: 0) })
        let asked = SendableBox<[KafkaPartition]>([])
        let consumer = try KafkaConsumer(
            configuration: configuration, group: "resume", topics: ["events"], logger: logger,
            startingOffsets: { partitions in
                asked.set(partitions)
                return [KafkaPartition(topic: "events", partition: 0): 7]
            })
        let records = try await consume(consumer, count: 3)
        #expect(records.map(\.offset) == [7, 8, 9])
        #expect(asked.get() == [KafkaPartition(topic: "events", partition: 0)])
    }

    @Test func aBrokerThatIsDownFailsTheSendInTimeAndOneThatIsBackTakesIt() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try cluster.createTopic("dlq", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrap), properties: ["message.timeout.ms": "1500"], logger: logger)
        try await producer.send([KafkaMessage(topic: "dlq", key: nil, value: [1])])
        // A broker that no longer answers (taking it down and up re-binds its port, which aborts the test process
        // when a parallel test took the port meanwhile: librdkafka 2.0.2's mock asserts).
        cluster.setBroker(1, delay: 20_000)
        await #expect(throws: KafkaError.self) {
            try await producer.send([KafkaMessage(topic: "dlq", key: nil, value: [2])], timeout: .seconds(5))
        }
        cluster.setBroker(1, delay: 0)
        // The client reconnects with its own backoff; a sender retries until the broker takes the message.
        try await eventually(within: 30, "the broker back up to take a message") {
            (try? await producer.send([KafkaMessage(topic: "dlq", key: nil, value: [3])], timeout: .seconds(5))) != nil
        }
    }

    @Test func aPropertyLibrdkafkaDoesNotKnowIsNamedInTheError() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"])
        #expect {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        } throws: { error in
            (error as? KafkaError)?.code == "config" && "\(error)".contains("no.such.property")
        }
    }
}

/// A value a `@Sendable` closure sets and the test reads.
final class SendableBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func set(_ new: Value) { value.withLock { $0 = new } }
    func get() -> Value { value.withLock { $0 } }
}

/// librdkafka's own logs and errors go to our logger, named by client.
@Suite(.timeLimit(.minutes(1))) struct KafkaLoggingTests {
    @Test func aBrokerThatRefusesConnectionsIsReportedThroughOurLoggerWithTheClientsName() async throws {
        let captured = CapturedLogs()
        let logger = Logger(label: "kafka") { _ in captured }
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), properties: ["client.id": "figures-dlq"], logger: logger)
        try await eventually(within: 20, "librdkafka to report the refused connection") {
            captured.entries.contains { $0.message.contains("127.0.0.1:1") && $0.metadata["kafka.client"]?.description.hasPrefix("figures-dlq") == true }
        }
        withExtendedLifetime(producer) {}
    }
}

/// A log handler that keeps what it is given.
final class CapturedLogs: LogHandler, Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let stored = Mutex<[Entry]>([])
    var entries: [Entry] { stored.withLock { $0 } }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}  // swiftlint:disable:this unused_setter_value
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        stored.withLock { $0.append(Entry(level: event.level, message: event.message.description, metadata: event.metadata ?? [:])) }
    }
}
