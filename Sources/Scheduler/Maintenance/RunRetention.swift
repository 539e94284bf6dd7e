import Foundation
public import Logging
public import ServiceLifecycle

/// Deletes runs (and their logs) that finished longer ago than the retention,
/// in small transactions so that the engine's writes never wait long behind it.
public struct RunRetention: Service {
    public let store: Store
    public let retention: Duration
    public let interval: Duration
    public let batchSize: Int
    let clock: any SchedulerClock
    let logger: Logger

    public init(
        store: Store, retention: Duration, interval: Duration = .seconds(3600), batchSize: Int = 200,
        clock: any SchedulerClock = SystemClock(), logger: Logger
    ) {
        self.store = store
        self.retention = retention
        self.interval = interval
        self.batchSize = batchSize
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // Stops on graceful shutdown: the sleep between sweeps is cancelled, which ends the loop quietly.
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await sweep()
                    try await clock.sleep(until: clock.now().addingTimeInterval(interval.seconds))
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// Sessions older than this are past any lifetime the web server allows (12 hours) and go too.
    static let sessionLifetime: TimeInterval = 12 * 3600

    /// Deletes everything past retention now, and sessions past their lifetime; returns how many runs went.
    @discardableResult
    public func sweep() async -> Int {
        do {
            try store.deleteSessions(createdBefore: clock.now().addingTimeInterval(-Self.sessionLifetime))
        } catch {
            logger.error("could not delete old sessions", metadata: [LogKey.error: "\(error)"])
        }
        let cutoff = clock.now().addingTimeInterval(-retention.seconds)
        var total = 0
        while !Task.isCancelled {
            do {
                let deleted = try await store.deleteRuns(finishedBefore: cutoff, limit: batchSize)
                for (_, logs) in deleted { Self.removeLogs(logs) }
                total += deleted.count
                if deleted.count < batchSize { break }
                await Task.yield()
            } catch {
                logger.error("could not delete old runs", metadata: [LogKey.error: "\(error)"])
                break
            }
        }
        if total > 0 { logger.info("old runs deleted", metadata: [LogKey.count: "\(total)"]) }
        return total
    }

    private static func removeLogs(_ paths: [String]) {
        let manager = FileManager.default
        for path in paths { try? manager.removeItem(atPath: path) }
        if let directory = paths.first.map({ ($0 as NSString).deletingLastPathComponent }) {
            try? manager.removeItem(atPath: directory)
        }
    }
}
