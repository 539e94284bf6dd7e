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
