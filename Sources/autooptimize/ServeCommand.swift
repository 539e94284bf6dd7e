import ArgumentParser
import Jobs
import Foundation
import Scheduler

/// `autooptimize serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the daemon: schedule and run the pipelines of --jobs, serve the API.")

    @Option(help: "A YAML settings file; flags given here override it.") var config: String?
    @Option(help: "The pipelines directory (default jobs.d).") var jobs: String?
    @Option(help: "The data directory (default data).") var data: String?
    @Option(name: .customLong("static"), help: "The panel's files (default static).") var staticDirectory: String?
    @Option(help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind; 0 picks a free one (default 8080).") var port: Int?
    @Option(help: "Attempts that may run at once (default 32).") var maxRunningTasks: Int?
    @Option(help: "A PEM certificate (chain) to serve HTTPS with; needs --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?
    @Flag(help: "On the first start, write the batch demo's sales into <data>/incoming and run the pipelines that read them.")
    var demo = false

    func run() async throws {
        MemoryTrim.mapLargeBuffers()
        var settings = DaemonSettings()
        if let config {
            do {
                settings = try DaemonSettings.load(file: config, sections: [KafkaSettings.key, ElasticsearchSettings.key, LineageSettings.key, LakeSettings.key, WarehouseSettings.key, AlertSettings.key])
                // Read now, so that a mistake in a module's section stops the start with its file:line.
                _ = try settings.file?.section(KafkaSettings.self)
                _ = try settings.file?.section(ElasticsearchSettings.self)
                _ = try settings.file?.section(LakeSettings.self)
                _ = try settings.file?.section(WarehouseSettings.self)
                _ = try settings.file?.section(AlertSettings.self)
            } catch {
                FileHandle.standardError.write(Data("autooptimize: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        settings.jobsDirectory = jobs ?? settings.jobsDirectory
        settings.dataDirectory = data ?? settings.dataDirectory
        settings.staticDirectory = staticDirectory ?? settings.staticDirectory
        settings.host = host ?? settings.host
        settings.port = port ?? settings.port
        settings.maxRunningTasks = maxRunningTasks ?? settings.maxRunningTasks
        settings.logLevel = logLevel ?? settings.logLevel
        settings.tlsCertificate = tlsCert ?? settings.tlsCertificate
        settings.tlsKey = tlsKey ?? settings.tlsKey
        settings.demo = demo || settings.demo
        do {
            try await Daemon(settings: settings).run()
        } catch let error as DaemonError {
            FileHandle.standardError.write(Data("autooptimize: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
