public import Foundation
public import Logging
import Synchronization

/// What the batch kinds share in a daemon: the lake, the pseudonym vault and the warehouse (`<data>/lake`,
/// `<data>/vault/`, `<data>/warehouse.sqlite` by default). Opened at the first batch run, not at start: an idle
/// daemon keeps its memory budget.
public final class BatchHub: Sendable {
    private let make: @Sendable () throws -> Resources
    private let opened = Mutex<Resources?>(nil)
    let logger: Logger

    struct Resources: Sendable {
        let lake: any DataLake
        let vault: PseudonymVault
        let warehouse: any Warehouse
    }

    /// The embedded defaults under `dataDirectory`; the lake on HDFS when `lake` says `webhdfs`; the warehouse on
    /// SQL Server when `warehouse` is given (its password read, its FreeTDS server name chosen, by the daemon).
    public convenience init(dataDirectory: URL, lake: LakeSettings? = nil, warehouse: SQLServerTarget? = nil, logger: Logger) {
        self.init(logger: logger) {
            let chosenLake: any DataLake =
                if let webhdfs = lake?.webhdfs { try WebHDFSLake(settings: webhdfs, dataDirectory: dataDirectory) }
                else { try LocalLake(root: dataDirectory.appendingPathComponent("lake")) }
            let chosenWarehouse: any Warehouse =
                if let warehouse { SQLServerWarehouse(settings: warehouse.settings, password: warehouse.password, server: warehouse.server) }
                else { try SQLiteWarehouse(path: dataDirectory.appendingPathComponent("warehouse.sqlite").path) }
            return Resources(
                lake: chosenLake,
                vault: try PseudonymVault(directory: dataDirectory.appendingPathComponent("vault")),
                warehouse: chosenWarehouse)
        }
    }

    /// SQL Server as the warehouse: its settings, the password read from its secret, and the server name FreeTDS
    /// is given (`host:port`, or the `freetds.conf` section that carries TLS settings).
    public struct SQLServerTarget: Sendable {
        public let settings: SQLServerSettings
        public let password: String
        public let server: String

        public init(settings: SQLServerSettings, password: String, server: String) {
            self.settings = settings
            self.password = password
            self.server = server
        }
    }

    init(logger: Logger, make: @escaping @Sendable () throws -> Resources) {
        self.make = make
        self.logger = logger
    }

    /// The lake, vault and warehouse, opened once.
    func resources() throws -> Resources {
        try opened.withLock { opened in
            if let opened { return opened }
            let made = try make()
            opened = made
            return made
        }
    }

    static func partition(_ zone: LakeZone, _ dataset: String, pipeline: String, date: String) -> LakePartition {
        LakePartition(zone, dataset, [("pipeline", pipeline), ("date", date)])
    }

    /// The partition key of a run: its logical date, `20261201T043500Z` (no `:`, which HDFS refuses in names).
    static func dateKey(_ logicalDate: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: logicalDate)
    }
}
