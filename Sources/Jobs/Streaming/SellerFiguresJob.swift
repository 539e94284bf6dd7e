import Connectors
import Foundation
import Logging
public import Scheduler

/// `kind: seller-figures` (a service): consumes the sales events of `topic` in consumer group `group` and keeps each
/// seller's figures (the contract's section 5) in the group's store, with the offsets they were computed up to.
/// Bad messages go to `dead_letter_topic`, whole, with their reason in headers, and the worker goes on.
public struct SellerFiguresJob: JobKind {
    public struct Settings: Decodable, Sendable {
        var topic: String?
        /// Default: the pipeline's id.
        var group: String?
        var deadLetterTopic: String?
        /// The FX file (`month,currency,usd_per_unit`); a relative path is from the daemon's working directory.
        var fxRates: String

        enum CodingKeys: String, CodingKey {
            case topic, group
            case deadLetterTopic = "dead_letter_topic"
            case fxRates = "fx_rates"
        }
    }

    public static let kindName = "seller-figures"
    let settings: Settings
    let hub: StreamingHub?

    public init(settings: Settings) throws { try self.init(settings: settings, hub: nil) }

    public init(settings: Settings, hub: StreamingHub?) throws {
        for (name, value) in [("topic", settings.topic), ("group", settings.group), ("dead_letter_topic", settings.deadLetterTopic)] {
            if let value, !Self.isName(value) { throw JobSettingsError("\(name) \"\(value)\" must be 1 to 100 of A-Z a-z 0-9 . _ -") }
        }
        self.settings = settings
        self.hub = hub
    }

    static func isName(_ text: String) -> Bool {
        (1...100).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
            && text != "." && text != ".."
    }

    public func run(in context: JobContext) async throws {
        guard let hub else { throw JobFailure("seller-figures needs the daemon's Kafka settings (it cannot run outside `autooptimize serve`)") }
        let topic = settings.topic ?? "sales.events"
        let deadLetters = settings.deadLetterTopic ?? "sales.events.dlq"
        let group = settings.group ?? context.pipeline.rawValue
        guard Self.isName(group) else { throw JobFailure("group \"\(group)\" must be 1 to 100 of A-Z a-z 0-9 . _ -") }
        let worker: FiguresWorker
        do {
            worker = try FiguresWorker(
                kafka: hub.kafka, group: group, topic: topic, deadLetterTopic: deadLetters, fxRatesPath: settings.fxRates,
                storePath: try hub.storePath(group: group), elasticsearch: hub.elasticsearch, logger: context.logger)
        } catch let error as FiguresWorkerError {
            throw JobFailure(error.description)
        }
        hub.started(group, StreamingHub.RunningGroup(pipeline: context.pipeline, worker: worker))
        defer { hub.stopped(group) }
        context.logger.info("consuming \(topic) as group \(group) from \(hub.kafka.properties["bootstrap.servers"] ?? "?"); bad messages to \(deadLetters)")
        // The Elasticsearch writer runs beside the loop and stops with it.
        let search = worker.search.map { writer in Task { await writer.run() } }
        defer { search?.cancel() }
        var reported: KafkaError?
        var published = ContinuousClock.now
        var announced = 0
        while !Task.isCancelled {
            let handled = try await worker.step()
            // Live listeners hear of committed changes at most four times a second, and of the last one within about
            // half a second (an empty poll waits for the commit under way).
            let committed = worker.committedBatches
            if committed != announced, ContinuousClock.now - published >= .milliseconds(250) {
                hub.changed(group, pipeline: context.pipeline)
                published = ContinuousClock.now
                announced = committed
            }
            if handled == 0 {
                // Say once what keeps the stream from flowing (an unknown topic, brokers away), not at every poll.
                if let error = worker.lastError, error != reported { context.logger.warning("no events: \(error)") }
                reported = worker.lastError
            }
        }
        throw CancellationError()
    }
}
