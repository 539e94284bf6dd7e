import Foundation
import Jobs
import Logging
import Scheduler
import ServiceLifecycle
import UnixSignals
import WebUI

/// Wires the daemon: data directory → store → pipelines → engine → web server,
/// run together in one `ServiceGroup` that shuts down on SIGTERM or SIGINT
/// (web server first, engine after, so no trigger arrives during the drain).
struct Daemon {
    let settings: DaemonSettings

    func run() async throws {
        let logger = makeLogger()
        let data = URL(fileURLWithPath: settings.dataDirectory).standardizedFileURL
        let jobs = URL(fileURLWithPath: settings.jobsDirectory).standardizedFileURL
        try prepare(data: data, jobs: jobs)
        let lock = try DaemonLock(dataDirectory: data)
        let store: Store
        do {
            store = try Store.open(at: data.appendingPathComponent("autooptimize.sqlite").path, durability: settings.durability)
        } catch {
            throw DaemonError(error.description)
        }
        do {
            if let password = try await FirstAdmin.ensure(
                store: store, password: ProcessInfo.processInfo.environment["AUTOOPTIMIZE_ADMIN_PASSWORD"])
            {
                FileHandle.standardOutput.write(Data("autooptimize: created user admin with password \(password) (shown once)\n".utf8))
            }
        } catch {
            throw DaemonError("could not create the first admin: \(error)")
        }
        let loader = PipelineLoader(registry: .standard())
        let initial = loader.load(directory: jobs)
        let engine = Engine(
            store: store, runner: InProcessRunner(dataDirectory: data), initial: initial,
            configuration: .init(
                maxRunningTasks: settings.maxRunningTasks, dataDirectory: data, shutdownGrace: settings.shutdownGrace),
            logger: logger)
        let watcher = PipelineWatcher(directory: jobs, loader: loader, logger: logger) { engine.reload($0) }
        let retention = RunRetention(store: store, retention: settings.retention, logger: logger)
        let credential: LocalCredential
        do {
            credential = try LocalCredential.create(in: data)
        } catch {
            throw DaemonError("\(error)")
        }
        let host = settings.host
        let web = buildWebServer(
            engine: engine, store: store, host: host, port: settings.port, credential: credential, logger: logger,
            staticDirectory: settings.staticDirectory
        ) { port in
            Self.announce(host: host, port: port, data: data, jobs: jobs, pipelines: initial.pipelines.count)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [watcher, retention, engine, web], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        // Gone with the daemon: where it listened and its credential, so the CLI does not knock on a closed door.
        try? FileManager.default.removeItem(at: data.appendingPathComponent("daemon.json"))
        try? FileManager.default.removeItem(at: LocalCredential.path(in: data))
        withExtendedLifetime(lock) {}
    }

    private func prepare(data: URL, jobs: URL) throws(DaemonError) {
        do {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        } catch {
            throw DaemonError("cannot create the data directory \(data.path): \((error as NSError).localizedDescription)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: jobs.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DaemonError("the pipelines directory \(jobs.path) does not exist (give another with --jobs)")
        }
    }

    /// Tells the person (stdout) and the CLI (`daemon.json` in the data directory) where the daemon listens.
    private static func announce(host: String, port: Int, data: URL, jobs: URL, pipelines: Int) {
        let url = "http://\(host):\(port)"
        let info = "{\"url\": \"\(url)\", \"pid\": \(getpid())}\n"
        try? info.write(to: data.appendingPathComponent("daemon.json"), atomically: true, encoding: .utf8)
        let line = "autooptimize: serving \(url) with \(pipelines) pipelines from \(jobs.path); data in \(data.path)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        var logger = Logger(label: "autooptimize") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        logger.logLevel = level
        return logger
    }
}
