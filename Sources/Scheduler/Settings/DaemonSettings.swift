import Foundation
import Yams

/// The daemon's settings, with the embedded defaults of the demo.
///
/// Read from the YAML file given with `--config`; command-line flags override it.
/// - Configuration keys:
///   - `host` (string, default "127.0.0.1"): address the HTTP server binds
///   - `port` (int, default 8080): its port; 0 picks a free one
///   - `jobs` (path, default "jobs.d"): the pipelines directory
///   - `data` (path, default "data"): store, logs and the local credential
///   - `static` (path, default "static"): the panel's files
///   - `max_running_tasks` (int, default 32): attempts running at once, all pipelines together
///   - `retention` (duration, default "90d"): finished runs older than this are deleted, with their logs
///   - `durability` (`normal` or `full`, default `full`): SQLite `synchronous` level
///   - `shutdown_grace` (duration, default "10s"): how long SIGTERM waits for running tasks before interrupting them
///   - `log_level` (trace…critical, default "info")
///   - `tls_cert`, `tls_key` (paths to PEM files, default none): serve HTTPS with them; both or neither
///   - `idle_timeout` (duration, default "30s"): a connection silent this long mid-request or between requests is closed
///   - `run_as` (user name, default none): when the daemon runs as root, the user its tasks run as
///   - `pass_env` (list of names, default none): variables of the daemon's environment that tasks also see
///   - `task_workspace` (path, default the system's temporary directory): where attempts get their working directories
///   - `demo` (bool, default false): on the first start, write the batch demo's historical sales into `<data>/incoming`
///     and run the pipelines that read them by default (`serve --demo`; `scripts/setup.sh` turns it on)
public struct DaemonSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var jobsDirectory = "jobs.d"
    public var dataDirectory = "data"
    public var staticDirectory = "static"
    public var maxRunningTasks = 32
    public var retention: Duration = .seconds(90 * 86400)
    public var durability = Store.Durability.full
    public var logLevel = "info"
    public var shutdownGrace: Duration = .seconds(10)
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var idleTimeout: Duration = .seconds(30)
    public var runAs: String?
    public var passEnvironment: [String] = []
    public var taskWorkspace: String?
    public var demo = false
    /// The settings file it was read from, whose other sections (`kafka:`…) the modules read themselves.
    public var file: SettingsFile?

    public init() {}

    private struct Document: Decodable {
        var host: String?
        var port: Int?
        var jobs: String?
        var data: String?
        var `static`: String?
        var maxRunningTasks: Int?
        var retention: Located<String>?
        var durability: Located<String>?
        var logLevel: Located<String>?
        var shutdownGrace: Located<String>?
        var tlsCert: String?
        var tlsKey: String?
        var idleTimeout: Located<String>?
        var runAs: Located<String>?
        var passEnv: [Located<String>]?
        var taskWorkspace: String?
        var demo: Bool?

        enum CodingKeys: String, CodingKey {
            case host, port, jobs, data, retention, durability, `static`, demo
            case tlsCert = "tls_cert"
            case tlsKey = "tls_key"
            case idleTimeout = "idle_timeout"
            case maxRunningTasks = "max_running_tasks"
            case logLevel = "log_level"
            case shutdownGrace = "shutdown_grace"
            case runAs = "run_as"
            case passEnv = "pass_env"
            case taskWorkspace = "task_workspace"
        }
    }

    /// Reads a settings file.
    /// - Parameter sections: the keys other modules read themselves (`SettingsSection.key`), left to them.
    /// - Throws: `Diagnostic` with the file and line of what is wrong.
    public static func load(file path: String, sections: [String] = []) throws(Diagnostic) -> DaemonSettings {
        try load(SettingsFile(path: path), sections: sections)
    }

    public static func load(_ file: SettingsFile, sections: [String] = []) throws(Diagnostic) -> DaemonSettings {
        let path = file.path
        let document: Document
        do {
            guard var node = try Yams.compose(yaml: file.text) else { return DaemonSettings() }
            if case .mapping(var top) = node {
                for key in sections { top[key] = nil }
                node = .mapping(top)
            }
            document = try NodeDecoder.decode(Document.self, from: node, context: .init())
        } catch let error as NodeDecodingError {
            throw Diagnostic(file: path, line: error.line, message: error.description)
        } catch {
            throw Diagnostic(file: path, line: nil, message: "malformed YAML: \(error)")
        }
        var settings = DaemonSettings()
        settings.file = file
        settings.host = document.host ?? settings.host
        settings.port = document.port ?? settings.port
        settings.jobsDirectory = document.jobs ?? settings.jobsDirectory
        settings.dataDirectory = document.data ?? settings.dataDirectory
        settings.staticDirectory = document.static ?? settings.staticDirectory
        settings.maxRunningTasks = document.maxRunningTasks ?? settings.maxRunningTasks
        settings.retention = try duration(document.retention, "retention", path) ?? settings.retention
        settings.shutdownGrace = try duration(document.shutdownGrace, "shutdown_grace", path) ?? settings.shutdownGrace
        settings.idleTimeout = try duration(document.idleTimeout, "idle_timeout", path) ?? settings.idleTimeout
        settings.tlsCertificate = document.tlsCert
        settings.tlsKey = document.tlsKey
        settings.taskWorkspace = document.taskWorkspace
        settings.demo = document.demo ?? settings.demo
        if let located = document.runAs {
            guard !located.value.isEmpty, !located.value.contains(where: { $0.isWhitespace || $0 == ":" }) else {
                throw Diagnostic(file: path, line: located.line, message: "run_as must be a user name, not \"\(located.value)\"")
            }
            settings.runAs = located.value
        }
        for located in document.passEnv ?? [] {
            guard Self.isVariableName(located.value) else {
                throw Diagnostic(
                    file: path, line: located.line, message: "pass_env: \"\(located.value)\" is not an environment variable name")
            }
            guard !located.value.hasPrefix("AUTOOPTIMIZE_") else {
                throw Diagnostic(
                    file: path, line: located.line,
                    message: "pass_env: \(located.value) is the daemon's own (AUTOOPTIMIZE_* never passes to tasks)")
            }
            settings.passEnvironment.append(located.value)
        }
        if let located = document.durability {
            guard let value = Store.Durability(rawValue: located.value) else {
                throw Diagnostic(file: path, line: located.line, message: "durability must be normal or full, not \"\(located.value)\"")
            }
            settings.durability = value
        }
        if let located = document.logLevel {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(located.value) else {
                throw Diagnostic(file: path, line: located.line, message: "log_level must be one of \(levels.joined(separator: ", "))")
            }
            settings.logLevel = located.value
        }
        return settings
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func duration(_ located: Located<String>?, _ key: String, _ path: String) throws(Diagnostic) -> Duration? {
        guard let located else { return nil }
        guard let value = DurationText.parse(located.value) else {
            throw Diagnostic(file: path, line: located.line, message: "\(key): \"\(located.value)\" is not a duration (like 30s, 90d)")
        }
        return value
    }
}
