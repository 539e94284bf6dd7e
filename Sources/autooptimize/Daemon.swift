import Connectors
import Foundation
import Jobs
import Logging
import Scheduler
import ServiceLifecycle
import UnixSignals
import WebUI
import NIOSSL

/// The daemon, wired and ready to run: one `ServiceGroup` (web server first, engine after, so no trigger arrives
/// during the drain), and what to tidy when it ends.
struct BuiltDaemon {
    let group: ServiceGroup
    let engine: Engine
    let store: Store
    let data: URL
    let lock: DaemonLock
    /// The embedded Kafka broker, when no `kafka.brokers` is configured: it lives as long as the daemon.
    let broker: KafkaMockCluster?

    /// Runs until SIGTERM or SIGINT (or the group is shut down), then removes where it listened and its
    /// credential, so the CLI does not knock on a closed door.
    func run() async throws {
        try await group.run()
        try? FileManager.default.removeItem(at: data.appendingPathComponent("daemon.json"))
        try? FileManager.default.removeItem(at: LocalCredential.path(in: data))
        withExtendedLifetime(lock) {}
    }
}

/// The one place the daemon is put together from its settings: data directory → store → pipelines → engine →
/// web server. `serve` runs what it returns; tests can too, in-process.
func buildDaemon(settings: DaemonSettings, logger: Logger? = nil) async throws -> BuiltDaemon {
    try await Daemon(settings: settings).build(logger: logger)
}

/// The steps of `buildDaemon`, each with the error a person can act on.
struct Daemon {
    let settings: DaemonSettings

    func run() async throws {
        try await buildDaemon(settings: settings).run()
    }

    func build(logger given: Logger?) async throws -> BuiltDaemon {
        let logger = given ?? makeLogger()
        let data = URL(fileURLWithPath: settings.dataDirectory).standardizedFileURL
        let jobs = URL(fileURLWithPath: settings.jobsDirectory).standardizedFileURL
        try prepare(data: data, jobs: jobs)
        let warehouse = try warehouseTarget(data: data, logger: logger)
        let tls = try loadTLS()
        let lock = try DaemonLock(dataDirectory: data)
        let store: Store
        do {
            store = try Store.open(at: data.appendingPathComponent("autooptimize.sqlite").path, durability: settings.durability)
        } catch {
            throw DaemonError(error.description)
        }
        try await createFirstAdmin(store: store, data: data)
        let (kafka, broker) = try startKafka(logger: logger)
        let streaming = StreamingHub(
            kafka: kafka, embedded: broker != nil, elasticsearch: try elasticsearch(logger: logger), dataDirectory: data, logger: logger)
        let batch = BatchHub(dataDirectory: data, lake: try lakeSettings(logger: logger), warehouse: warehouse, logger: logger)
        let alerts = try alertSettings(logger: logger)
        let loader = PipelineLoader(registry: .standard(streaming: streaming, batch: batch), alertChannels: alerts?.channelNames ?? [])
        let initial = loader.load(directory: jobs)
        let demoRuns = try writeDemoInput(for: initial.pipelines, data: data, logger: logger)
        let engine = Engine(
            store: store, runner: InProcessRunner(dataDirectory: data, isolation: isolation(data: data, logger: logger)),
            initial: initial,
            configuration: .init(
                maxRunningTasks: settings.maxRunningTasks, dataDirectory: data, shutdownGrace: settings.shutdownGrace,
                alertDefault: alerts?.defaultRoute, alertThrottle: alerts?.throttle ?? .seconds(900)),
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
        let scheme = tls == nil ? "http" : "https"
        let sender = try alerts.map { try self.alertSender($0, store: store, panelURL: "\(scheme)://\(host):\(settings.port)", logger: logger) }
        let certificate = settings.tlsCertificate.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let web = try buildWebServer(
            engine: engine, store: store, host: host, port: settings.port, credential: credential, logger: logger,
            staticDirectory: settings.staticDirectory, tls: tls, idleTimeout: settings.idleTimeout, figures: streaming, streams: streaming, rejects: batch, analysis: batch,
            alertChannels: sender
        ) { port in
            sender?.served(at: "\(scheme)://\(host):\(port)")
            Self.announce(
                url: "\(scheme)://\(host):\(port)", certificate: certificate, data: data, jobs: jobs, pipelines: initial.pipelines.count)
            // Start-up read much of the (static, large) executable once; the idle daemon needs little of it.
            MemoryTrim.releaseStartupPages()
        }
        var services: [any Service] = [watcher, retention, engine, web]
        if let lineage = try lineagePublisher(store: store, logger: logger) { services.append(LineageService(publisher: lineage)) }
        if let sender { services.append(AlertService(sender: sender)) }
        var configured = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if !demoRuns.isEmpty {
            configured.append(
                .init(service: DemoTrigger(engine: engine, pipelines: demoRuns, logger: logger), successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: configured, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        return BuiltDaemon(group: group, engine: engine, store: store, data: data, lock: lock, broker: broker)
    }

    /// The data directory holds password hashes, token digests and run params: the daemon's user alone reads it.
    /// Everything the daemon creates from here on is private (umask 077; tasks get the usual 022 back), and an
    /// older, wider data directory is narrowed.
    private func prepare(data: URL, jobs: URL) throws(DaemonError) {
        umask(0o077)
        do {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        } catch {
            throw DaemonError("cannot create the data directory \(data.path): \((error as NSError).localizedDescription)")
        }
        guard chmod(data.path, 0o700) == 0 else {
            throw DaemonError("cannot make the data directory \(data.path) private (chmod 0700): \(String(cString: strerror(errno)))")
        }
        for name in ["autooptimize.sqlite", "autooptimize.sqlite-wal", "autooptimize.sqlite-shm"] {
            chmod(data.appendingPathComponent(name).path, 0o600)
        }
        chmod(data.appendingPathComponent("logs").path, 0o700)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: jobs.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DaemonError("the pipelines directory \(jobs.path) does not exist (give another with --jobs)")
        }
    }

    /// What tasks get of the daemon, what its attempts left after a crash removed first. A daemon running as root
    /// with no `run_as` runs its tasks as root: said once.
    private func isolation(data: URL, logger: Logger) -> TaskIsolation {
        if geteuid() == 0, settings.runAs == nil {
            logger.warning("the daemon runs as root and no run_as is set: shell tasks run as root too (set run_as in the settings)")
        }
        let isolation = TaskIsolation(
            dataDirectory: data, passEnvironment: settings.passEnvironment, runAs: settings.runAs,
            workspaceRoot: settings.taskWorkspace.map { URL(fileURLWithPath: $0).standardizedFileURL })
        let leftovers = isolation.removeLeftoverWorkspaces()
        if leftovers > 0 {
            logger.info(
                "removed the working directories of attempts cut short when the daemon last stopped",
                metadata: [LogKey.count: "\(leftovers)", "root": "\(isolation.workspaceRoot.path)"])
        }
        return isolation
    }

    /// The first start creates `admin`. A generated password goes to a file only the daemon's user can read, never
    /// to the standard output (which ends up in setup and service logs); the file goes once the password is changed.
    private func createFirstAdmin(store: Store, data: URL) async throws(DaemonError) {
        let file = data.appendingPathComponent("initial-admin-password")
        do {
            if let password = try await FirstAdmin.ensure(
                store: store, password: ProcessInfo.processInfo.environment["AUTOOPTIMIZE_ADMIN_PASSWORD"])
            {
                try Data((password + "\n").utf8).write(to: file, options: .atomic)
                chmod(file.path, 0o600)
                let line = "autooptimize: created user admin; its first password is in \(file.path) (the panel asks for a new one)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            } else if FileManager.default.fileExists(atPath: file.path), try !FirstAdmin.stillUnchanged(store: store) {
                try? FileManager.default.removeItem(at: file)
            }
        } catch {
            throw DaemonError("could not create the first admin: \(error)")
        }
    }

    /// HTTPS when both files are given, checked before anything listens.
    private func loadTLS() throws(DaemonError) -> TLSConfiguration? {
        switch (settings.tlsCertificate, settings.tlsKey) {
        case (nil, nil):
            return nil
        case (.some(let certificate), .some(let key)):
            do {
                return try ServerTLS(certificatePath: certificate, keyPath: key).configuration()
            } catch {
                throw DaemonError(error.description)
            }
        case (.some, nil):
            throw DaemonError("a TLS certificate needs its key: give --tls-key (or tls_key in the settings)")
        case (nil, .some):
            throw DaemonError("a TLS key needs its certificate: give --tls-cert (or tls_cert in the settings)")
        }
    }

    /// Tells the person (stdout) and the CLI (`daemon.json` in the data directory) where the daemon listens,
    /// and with which certificate, so that the CLI on this machine can trust it.
    private static func announce(url: String, certificate: String?, data: URL, jobs: URL, pipelines: Int) {
        var info: [String: Any] = ["url": url, "pid": Int(getpid())]
        info["certificate"] = certificate
        if let json = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) {
            try? json.write(to: data.appendingPathComponent("daemon.json"), options: .atomic)
        }
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
