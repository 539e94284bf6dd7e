import ArgumentParser
import Connectors
import Foundation
import Logging
import UnixSignals

/// `autooptimize broker`: librdkafka's embedded Kafka-protocol broker as a process of its own, so that a daemon
/// given `kafka.brokers` can restart (or crash) without the topics' data going with it. Prints its bootstrap
/// address and runs until SIGTERM or SIGINT. For fault drills, SIGUSR1 takes its brokers down (connections dropped,
/// new ones refused) and SIGUSR2 brings them back, with their data.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Run the embedded Kafka broker (in memory) until stopped; prints its bootstrap address.")

    @Option(help: "Partitions of each topic created (the broker keeps about 5 MiB per partition).") var partitions: Int = 8
    @Option(name: .customLong("topic"), help: "A topic to create (repeat; default sales.events and sales.events.dlq).") var topics: [String] = []
    @Option(help: "Brokers in the cluster (1 to 5).") var brokers: Int = 3
    @Option(help: "A fixed bootstrap port on 127.0.0.1 (relayed to the brokers, whose ports librdkafka picks); 0 or none: theirs.")
    var port: Int?

    func validate() throws {
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 256") }
        guard (1...5).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 5") }
        if let port { guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") } }
    }

    func run() async throws {
        var logger = Logger(label: "autooptimize.broker")
        logger.logLevel = .warning
        let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
        let names = topics.isEmpty ? ["sales.events", "sales.events.dlq"] : topics
        for topic in names { try cluster.createTopic(topic, partitions: partitions) }
        var bootstrap = cluster.bootstrap
        var proxy: Task<Void, any Error>?
        if let port, port > 0 {
            let first = cluster.bootstrap.split(separator: ",")[0]
            guard let colon = first.lastIndex(of: ":"), let brokerPort = Int(first[first.index(after: colon)...]) else {
                throw ValidationError("the embedded broker gave an address without a port: \(first)")
            }
            let relay = BootstrapProxy(host: "127.0.0.1", port: port, target: (String(first[..<colon]), brokerPort))
            // The relay says once whether it could listen: bound, or the error that stopped it.
            let (outcomes, outcome) = AsyncStream.makeStream(of: String?.self)
            proxy = Task {
                do {
                    try await relay.run { outcome.yield(nil) }
                } catch {
                    outcome.yield("\(error)")
                }
                outcome.finish()
            }
            var iterator = outcomes.makeAsyncIterator()
            if case .some(.some(let error)) = await iterator.next() {
                FileHandle.standardError.write(Data("autooptimize broker: cannot listen on 127.0.0.1:\(port): \(error)\n".utf8))
                throw ExitCode(1)
            }
            bootstrap = "127.0.0.1:\(port)"
        }
        // Trapped before the address is printed: whoever reads it may signal at once.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sigusr1, .sigusr2)
        // Written straight to the descriptor: a `print` to a file or a pipe would wait in a buffer.
        FileHandle.standardOutput.write(Data("\(bootstrap)\n".utf8))
        FileHandle.standardError.write(Data("autooptimize broker: \(names.joined(separator: ", ")) (\(partitions) partitions each) at \(bootstrap); data in memory, gone when stopped; SIGUSR1 takes it down, SIGUSR2 brings it back\n".utf8))
        for await signal in signals {
            guard signal == .sigusr1 || signal == .sigusr2 else { break }
            for id in 1...Int32(brokers) { cluster.setBroker(id, up: signal == .sigusr2) }
            FileHandle.standardError.write(Data("autooptimize broker: \(signal == .sigusr1 ? "down" : "up")\n".utf8))
        }
        proxy?.cancel()
        withExtendedLifetime(cluster) {}
    }
}
