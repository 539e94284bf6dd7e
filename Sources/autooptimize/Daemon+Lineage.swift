import Jobs
import Logging
import Scheduler
import ServiceLifecycle

extension Daemon {
    /// The `lineage:` section's publisher, when the settings file has one (its API key read now).
    func lineagePublisher(store: Store, logger: Logger) throws -> LineagePublisher? {
        let section: LineageSettings?
        do {
            section = try settings.file?.section(LineageSettings.self)
        } catch {
            throw DaemonError(error.description)
        }
        guard let section else { return nil }
        do {
            let publisher = try LineagePublisher(settings: section, store: store, logger: logger)
            logger.info("lineage events also go to \(section.url)")
            return publisher
        } catch {
            throw DaemonError("\(settings.file?.path ?? "settings"): lineage.api_key: \(error)")
        }
    }
}

/// The publisher as one of the daemon's services: it stops with the daemon.
struct LineageService: Service {
    let publisher: LineagePublisher

    func run() async throws {
        await cancelWhenGracefulShutdown { await publisher.run() }
    }
}
