import Connectors
import Foundation
public import Logging
public import Scheduler

/// Sends the store's lineage events to an OpenLineage endpoint, one POST an event, oldest first, and remembers in
/// the store how far it got, so that a restart goes on from there. A 2xx moves on; a refusal that retrying cannot
/// help (4xx but 408 and 429) is logged and passed over; anything else (unreachable, 408, 429, 5xx) is retried
/// after a backoff, the same event again: nothing is skipped while the endpoint is away.
public final class LineagePublisher: Sendable {
    private let store: Store
    private let url: String
    private let headers: [(String, String)]
    private let caFile: String?
    private let timeout: Duration
    private let client = CurlHTTPClient(name: "lineage")
    private let logger: Logger

    /// - Throws: `SettingSecretError` when the API key's variable or file is missing.
    public init(settings: LineageSettings, store: Store, logger: Logger) throws {
        self.store = store
        url = settings.url
        var headers = [("Content-Type", "application/json")]
        if let key = try settings.apiKey?.resolve() { headers.append(("Authorization", "Bearer \(key)")) }
        self.headers = headers
        caFile = settings.caFile
        timeout = .seconds(settings.timeoutSeconds)
        self.logger = logger
    }

    /// Runs until cancelled, looking for new events every `interval`.
    public func run(interval: Duration = .seconds(1)) async {
        var backoff = Backoff()
        var unreachable = false
        while !Task.isCancelled {
            do {
                let sent = try await sendPending()
                if unreachable {
                    logger.info("lineage endpoint \(url) reached again")
                    unreachable = false
                }
                backoff.reset()
                if sent == 0 { try await Task.sleep(for: interval) }
            } catch is CancellationError {
                return
            } catch {
                if !unreachable { logger.warning("lineage endpoint \(url): \(error); retrying with backoff") }
                unreachable = true
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// Sends what is pending, in order. Returns how many events it passed (delivered or refused for good).
    /// - Throws: when the endpoint must be tried again later (the event it stopped at stays pending).
    @discardableResult
    public func sendPending(limit: Int = 200) async throws -> Int {
        let start = try store.lineageDelivered(to: url)
        var through = start
        let events = try store.lineageEvents(after: start, limit: limit)
        // What went through is remembered even when a later event must wait.
        defer { if through != start { try? store.setLineageDelivered(to: url, through: through) } }
        var passed = 0
        for event in events {
            try Task.checkCancellation()
            let response = try await client.send(HTTPRequest(
                method: "POST", url: url, headers: headers, body: Array(event.json.utf8), timeout: timeout, caFile: caFile))
            switch response.status {
            case 200..<300:
                break
            case 408, 429, 500...:
                throw LineagePublishError(description: "HTTP \(response.status)")
            default:
                let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self)
                logger.error("lineage endpoint \(url) refused event \(event.id) with HTTP \(response.status): \(excerpt)")
            }
            through = event.id
            passed += 1
        }
        return passed
    }
}

struct LineagePublishError: Error, CustomStringConvertible {
    let description: String
}
