import Foundation
import Jobs
import Logging
import Scheduler
import ServiceLifecycle

extension Daemon {
    /// The `alerts:` section, when the settings file has one: its channels' secrets are read now, so that a missing
    /// one stops the start rather than the first alert. The engine writes alerts into the outbox; `AlertService`
    /// sends them (webhooks; email is not built yet).
    func alertSettings(logger: Logger) throws -> AlertSettings? {
        let section: AlertSettings?
        do {
            section = try settings.file?.section(AlertSettings.self)
        } catch {
            throw DaemonError(error.description)
        }
        guard let section else { return nil }
        for channel in section.channels {
            let secret: SettingSecret? =
                switch channel {
                case .email(_, let email): email.password
                case .webhook(_, let webhook): webhook.secret
                }
            do {
                _ = try secret?.resolve()
            } catch {
                throw DaemonError("\(settings.file?.path ?? "settings"): alerts channel \(channel.name): \(error)")
            }
        }
        logger.info("alert channels: \(section.channels.map(\.name).joined(separator: ", "))")
        return section
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
