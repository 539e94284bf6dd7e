import Foundation
import Jobs
import Logging
import Scheduler

extension Daemon {
    /// The `lake:` section, when the settings file has one.
    func lakeSettings(logger: Logger) throws -> LakeSettings? {
        do {
            let section = try settings.file?.section(LakeSettings.self)
            if let webhdfs = section?.webhdfs { logger.info("the lake is on HDFS: \(webhdfs.url) under \(webhdfs.root)") }
            return section
        } catch {
            throw DaemonError(error.description)
        }
    }
}

extension Daemon {
    /// The `warehouse:` section's SQL Server, when the settings file has one: its password read now (a missing
    /// secret stops the start), and FreeTDS's server name. TLS settings have no db-lib call: FreeTDS reads them from
    /// its configuration file, so they are written to `<data>/freetds.conf` (0600) and `FREETDSCONF` names it. Called
    /// first thing at start, before the daemon's threads run (setenv is not safe beside a concurrent getenv).
    func warehouseTarget(data: URL, logger: Logger) throws -> BatchHub.SQLServerTarget? {
        let section: WarehouseSettings?
        do {
            section = try settings.file?.section(WarehouseSettings.self)
        } catch {
            throw DaemonError(error.description)
        }
        guard let sqlserver = section?.sqlserver else { return nil }
        let password: String
        do {
            password = try sqlserver.password.resolve()
        } catch {
            throw DaemonError("\(settings.file?.path ?? "settings"): warehouse.sqlserver.password: \(error)")
        }
        var server = "\(sqlserver.host):\(sqlserver.port)"
        if sqlserver.needsFreeTDSConfiguration {
            let file = data.appendingPathComponent("freetds.conf")
            do {
                try Data(sqlserver.freeTDSConfiguration.utf8).write(to: file, options: .atomic)
            } catch {
                throw DaemonError("cannot write FreeTDS's configuration \(file.path): \(error.localizedDescription)")
            }
            setenv("FREETDSCONF", file.path, 1)
            server = SQLServerSettings.freeTDSSection
        }
        logger.info("the warehouse is SQL Server \(sqlserver.host):\(sqlserver.port), database \(sqlserver.database), schema \(sqlserver.schema)")
        return BatchHub.SQLServerTarget(settings: sqlserver, password: password, server: server)
    }
}
