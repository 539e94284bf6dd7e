import ArgumentParser
import Connectors
import Foundation
import Logging
import UnixSignals

/// `autooptimize broker`: librdkafka's embedded Kafka-protocol broker as a process of its own, so that a daemon
/// given `kafka.brokers` can restart (or crash) without the topics' data going with it. Prints its bootstrap
/// address and runs until SIGTERM or SIGINT.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Run the embedded Kafka broker (in memory) until stopped; prints its bootstrap address.")

    @Option(help: "Partitions of each topic created (the broker keeps about 5 MiB per partition).") var partitions: Int = 8
    @Option(name: .customLong("topic"), help: "A topic to create (repeat; default sales.events and sales.events.dlq).") var topics: [String] = []
    @Option(help: "Brokers in the cluster (1 to 5).") var brokers: Int = 3

    func validate() throws {
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 256") }
        guard (1...5).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 5") }
    }

    func run() async throws {
        var logger = Logger(label: "autooptimize.broker")
        logger.logLevel = .warning
        let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
        let names = topics.isEmpty ? ["sales.events", "sales.events.dlq"] : topics
        for topic in names { try cluster.createTopic(topic, partitions: partitions) }
        // Written straight to the descriptor: a `print` to a file or a pipe would wait in a buffer.
        FileHandle.standardOutput.write(Data("\(cluster.bootstrap)\n".utf8))
        FileHandle.standardError.write(Data("autooptimize broker: \(names.joined(separator: ", ")) (\(partitions) partitions each) at \(cluster.bootstrap); data in memory, gone when stopped\n".utf8))
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { break }
        withExtendedLifetime(cluster) {}
    }
}
