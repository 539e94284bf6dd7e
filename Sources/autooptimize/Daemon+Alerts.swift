import Foundation
import Jobs
import Logging
import Scheduler
import ServiceLifecycle

extension Daemon {
    /// The `alerts:` section, when the settings file has one. The engine writes alerts into the outbox;
    /// `alertSender` sends them.
    func alertSettings(logger: Logger) throws -> AlertSettings? {
        let section: AlertSettings?
        do {
            section = try settings.file?.section(AlertSettings.self)
        } catch {
            throw DaemonError(error.description)
        }
        if let section { logger.info("alert channels: \(section.channels.map(\.name).joined(separator: ", "))") }
        return section
    }

    /// The sender of `section`'s channels, their secrets read now (a missing one stops the start rather than the
    /// first alert), with every secret of the settings file to scrub from what alerts show.
    func alertSender(_ section: AlertSettings, store: Store, panelURL: String, logger: Logger) throws -> AlertSender {
        let scrubbed = settings.file?.secretReferences().compactMap { try? $0.resolve() } ?? []
        do {
            return try AlertSender(settings: section, store: store, panelURL: panelURL, scrubbed: scrubbed, logger: logger)
        } catch {
            throw DaemonError("\(settings.file?.path ?? "settings"): alerts: \(error)")
        }
    }
}

/// The alert sender as one of the daemon's services: it stops with the daemon; what it had not sent stays in the
/// outbox for the next start.
struct AlertService: Service {
    let sender: AlertSender

    func run() async throws {
        await cancelWhenGracefulShutdown { await sender.run() }
    }
}
