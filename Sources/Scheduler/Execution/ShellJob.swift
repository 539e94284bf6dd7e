import Foundation

/// Runs a command through `/bin/sh -c`, its output captured into the attempt's log.
///
/// ```yaml
/// - id: report
///   kind: shell
///   with:
///     command: ./make_report.sh --day "$AUTOOPTIMIZE_LOGICAL_DATE"
///     env: { REPORT_DIR: /srv/reports }
///     workdir: /srv/app
/// ```
/// The process sees the daemon's environment, then `env:`, then
/// `AUTOOPTIMIZE_PIPELINE`, `AUTOOPTIMIZE_TASK`, `AUTOOPTIMIZE_RUN_ID`,
/// `AUTOOPTIMIZE_ATTEMPT`, `AUTOOPTIMIZE_LOGICAL_DATE`, `AUTOOPTIMIZE_DATA_DIR` and one
/// `AUTOOPTIMIZE_PARAM_<NAME>` per run param.
public struct ShellJob: JobKind {
    public struct Settings: Decodable, Sendable {
        public var command: String
        public var env: [String: String]?
        public var workdir: String?
        /// Bytes of output kept in the log; the rest is counted and dropped.
        public var maxLogBytes: Int?
        /// How long the process group gets between SIGTERM and SIGKILL when stopped.
        public var killGrace: String?

        public init(command: String, env: [String: String]? = nil, workdir: String? = nil, maxLogBytes: Int? = nil, killGrace: String? = nil) {
            self.command = command
            self.env = env
            self.workdir = workdir
            self.maxLogBytes = maxLogBytes
            self.killGrace = killGrace
        }

        enum CodingKeys: String, CodingKey {
            case command, env, workdir
            case maxLogBytes = "max_log_bytes"
            case killGrace = "kill_grace"
        }
    }

    public static let kindName = "shell"
    public let settings: Settings
    let killGrace: Duration

    public init(settings: Settings) throws {
        guard !settings.command.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw JobSettingsError("command is empty")
        }
        if let bytes = settings.maxLogBytes, bytes < 0 {
            throw JobSettingsError("max_log_bytes must be 0 or more")
        }
        let grace = try settings.killGrace.map { text in
            guard let value = DurationText.parse(text) else {
                throw JobSettingsError("kill_grace \"\(text)\" is not a duration (like 5s, 1m)")
            }
            return value
        }
        self.settings = settings
        self.killGrace = grace ?? .seconds(5)
    }

    public func run(in context: JobContext) async throws {
        let process = try ChildProcess(
            argv: ["/bin/sh", "-c", settings.command],
            environment: environment(for: context),
            directory: settings.workdir,
            log: context.log
        )
        let status = await process.waitForExit(grace: killGrace)
        try Task.checkCancellation()
        guard status == 0 else {
            throw JobFailure(Self.explain(status), exitCode: status)
        }
    }

    private func environment(for context: JobContext) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(settings.env ?? [:]) { $1 }
        environment["AUTOOPTIMIZE_PIPELINE"] = context.pipeline.rawValue
        environment["AUTOOPTIMIZE_TASK"] = context.task.rawValue
        environment["AUTOOPTIMIZE_RUN_ID"] = context.run.description
        environment["AUTOOPTIMIZE_ATTEMPT"] = context.attempt.marker
        environment["AUTOOPTIMIZE_LOGICAL_DATE"] = RFC3339.format(context.logicalDate)
        environment["AUTOOPTIMIZE_DATA_DIR"] = context.dataDirectory.path
        for (name, value) in context.params {
            environment["AUTOOPTIMIZE_PARAM_\(name.uppercased())"] = value.description
        }
        return environment
    }

    static func explain(_ status: Int32) -> String {
        switch status {
        case 126: "command exited with status 126 (found but not executable)"
        case 127: "command exited with status 127 (command not found; see the log)"
        case 129...: "command was killed by signal \(status - 128)"
        default: "command exited with status \(status)"
        }
    }
}
