import Connectors
import Foundation
import Jobs
import Logging
import Scheduler

extension Daemon {
    /// Where the figures go for Kibana: the settings' `elasticsearch:` section with its password read now, or nil.
    func elasticsearch(logger: Logger) throws -> ElasticsearchConfiguration? {
        let section: ElasticsearchSettings?
        do {
            section = try settings.file?.section(ElasticsearchSettings.self)
        } catch {
            throw DaemonError(error.description)
        }
        guard let section else { return nil }
        do {
            let configuration = try section.configuration()
            logger.info("seller figures and events go to Elasticsearch at \(configuration.url)")
            return configuration
        } catch {
            throw DaemonError("\(settings.file?.path ?? "settings"): elasticsearch.password: \(error)")
        }
    }

    /// The topics the demo's streaming pipeline uses, created on the embedded broker.
    static let embeddedTopics = ["sales.events", "sales.events.dlq"]

    /// How the streaming kinds reach Kafka: the settings' `kafka.brokers`, or librdkafka's embedded broker on
    /// loopback when none is configured (its bootstrap address is logged).
    func startKafka(logger: Logger) throws -> (KafkaConfiguration, KafkaMockCluster?) {
        let kafka: KafkaSettings
        do {
            kafka = try settings.file?.section(KafkaSettings.self) ?? KafkaSettings()
        } catch {
            throw DaemonError(error.description)
        }
        if let brokers = kafka.brokers {
            logger.info("Kafka at \(brokers)")
            return (KafkaConfiguration(bootstrapServers: brokers, properties: kafka.properties), nil)
        }
        do {
            // One broker: the embedded one does not replicate anyway, and each broker costs threads and memory.
            let broker = try KafkaMockCluster(brokers: 1, logger: logger)
            for topic in Self.embeddedTopics { try broker.createTopic(topic, partitions: kafka.partitions) }
            logger.notice(
                "embedded Kafka broker (librdkafka's mock cluster, data in memory) at \(broker.bootstrap); topics \(Self.embeddedTopics.joined(separator: ", "))")
            return (KafkaConfiguration(bootstrapServers: broker.bootstrap, properties: kafka.properties), broker)
        } catch {
            throw DaemonError("cannot start the embedded Kafka broker: \(error)")
        }
    }
}
