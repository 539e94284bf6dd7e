import Connectors
import Foundation
import Logging
import Scheduler
import Synchronization

/// Sends a figures group's Elasticsearch outbox: the documents its commits wrote, in the same transaction as the
/// figures they show, until Elasticsearch acknowledges them. Item by item: a 429 or 5xx item stays for the next
/// round (after a backoff), a refused one (400…) goes to the dead-letter topic with the reason, and an unreachable
/// Elasticsearch is retried with backoff until it answers. Nothing is removed before it is acknowledged or
/// dead-lettered, so a restart resends what was in flight (the ids make that harmless).
final class ElasticsearchWriter: Sendable {
    private let client: ElasticsearchClient
    private let store: FiguresStore
    private let deadLetter: @Sendable ([KafkaMessage]) async throws -> Void
    private let deadLetterTopic: String
    private let logger: Logger
    private let work = Doorbell()
    private let state = Mutex(State())

    private struct State {
        var indexed = 0
        var rejected = 0
        var error: String?
        var templatesReady = false
    }

    init(
        client: ElasticsearchClient, store: FiguresStore, deadLetterTopic: String, logger: Logger,
        deadLetter: @escaping @Sendable ([KafkaMessage]) async throws -> Void
    ) {
        self.client = client
        self.store = store
        self.deadLetterTopic = deadLetterTopic
        self.logger = logger
        self.deadLetter = deadLetter
    }

    /// Tells the writer new documents are waiting.
    func wake() { work.ring() }

    /// What the API shows of the writer.
    func report() -> SearchWriterReport {
        let state = state.withLock { $0 }
        return SearchWriterReport(
            url: client.configuration.url, pending: (try? store.pendingCount()) ?? 0, indexed: state.indexed, rejected: state.rejected,
            error: state.error)
    }

    /// Runs until cancelled: templates first (until Elasticsearch takes them), then the outbox.
    func run() async {
        var backoff = Backoff()
        while !Task.isCancelled, !state.withLock({ $0.templatesReady }) {
            do {
                for template in SearchDocuments.templates { try await client.putIndexTemplate(template.name, body: template.body) }
                state.withLock { $0.templatesReady = true }
                logger.info("Elasticsearch at \(client.configuration.url): index templates \(SearchDocuments.templates.map(\.name).joined(separator: ", ")) in place")
            } catch {
                failed(error.description)
                try? await Task.sleep(for: backoff.next())
            }
        }
        backoff.reset()
        while !Task.isCancelled {
            do {
                if try await sendOnce() {
                    backoff.reset()
                } else {
                    await work.wait(upTo: .seconds(1))
                }
            } catch {
                failed("\(error)")
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// Sends one batch of the outbox. Returns whether there was anything to send (false: wait for work).
    /// - Throws: when the batch must be retried after a backoff (Elasticsearch away, or items to retry).
    private func sendOnce() async throws -> Bool {
        let pending = try store.pendingDocuments()
        guard !pending.isEmpty else { return false }
        let documents = pending.sellers.map(\.document) + pending.events.map(\.document)
        let outcomes = try await client.bulk(documents)
        var events: [(shard: Int, sequence: Int64)] = []
        var sellers: [(id: String, stamp: Int64)] = []
        var rejected: [KafkaMessage] = []
        var retries: [String] = []
        for (index, outcome) in outcomes.enumerated() {
            let document = documents[index]
            switch outcome {
            case .indexed: break
            case .retry(let status, let reason):
                retries.append("\(document.index)/\(document.id): \(status) \(reason)")
                continue
            case .rejected(let status, let reason):
                logger.error("Elasticsearch refused \(document.index)/\(document.id) (\(status) \(reason)): sent to \(deadLetterTopic)")
                rejected.append(KafkaMessage(
                    topic: deadLetterTopic, key: Array(document.id.utf8), value: document.source,
                    headers: [("reason", Array("elasticsearch_rejected".utf8)), ("detail", Array("HTTP \(status): \(reason)".utf8)),
                              ("source", Array("elasticsearch:\(document.index)/\(document.id)".utf8))]))
            }
            if index < pending.sellers.count {
                sellers.append((pending.sellers[index].id, pending.sellers[index].stamp))
            } else {
                let event = pending.events[index - pending.sellers.count]
                events.append((event.shard, event.sequence))
            }
        }
        // Refused documents are in the dead-letter topic before they leave the outbox: none is lost.
        try await deadLetter(rejected)
        try store.acknowledge(events: events, sellers: sellers)
        state.withLock {
            $0.indexed += events.count + sellers.count - rejected.count
            $0.rejected += rejected.count
            if retries.isEmpty { $0.error = nil }
        }
        guard retries.isEmpty else {
            throw SearchRetry(description: "\(retries.count) of \(documents.count) documents to send again (first: \(retries[0]))")
        }
        return true
    }

    private func failed(_ message: String) {
        let changed = state.withLock { state -> Bool in
            defer { state.error = message }
            return state.error != message
        }
        // Said once per new error, not at every retry.
        if changed { logger.warning("Elasticsearch: \(message); retrying with backoff") }
    }

    private struct SearchRetry: Error, CustomStringConvertible {
        let description: String
    }
}
