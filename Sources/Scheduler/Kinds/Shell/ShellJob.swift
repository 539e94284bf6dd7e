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
/// The process gets stdin from /dev/null, its output into the log and no other
/// descriptor; a clean environment (`TaskEnvironment`: the machine's PATH, locale
/// and zone, what the settings' `pass_env` names, `env:`, then
/// `AUTOOPTIMIZE_PIPELINE`, `AUTOOPTIMIZE_TASK`, `AUTOOPTIMIZE_RUN_ID`,
/// `AUTOOPTIMIZE_ATTEMPT`, `AUTOOPTIMIZE_LOGICAL_DATE`, `AUTOOPTIMIZE_DAEMON` and one
/// `AUTOOPTIMIZE_PARAM_<NAME>` per run param); a private working directory, also its
/// `TMPDIR`, removed when it ends; and, when the daemon runs as root, the user
/// `run_as` names (the task's own, else the settings').
public struct ShellJob: JobKind {
    public struct Settings: Decodable, Sendable {
        public var command: String
        public var env: [String: String]?
        public var workdir: String?
        /// The user to run as when the daemon runs as root; the settings' `run_as` otherwise.
        public var runAs: String?
        /// Bytes of output kept in the log; the rest is counted and dropped.
        public var maxLogBytes: Int?
        /// How long the process group gets between SIGTERM and SIGKILL when stopped.
        public var killGrace: String?

        public init(
            command: String, env: [String: String]? = nil, workdir: String? = nil, runAs: String? = nil,
            maxLogBytes: Int? = nil, killGrace: String? = nil
        ) {
            self.command = command
            self.runAs = runAs
            self.env = env
            self.workdir = workdir
            self.maxLogBytes = maxLogBytes
            self.killGrace = killGrace
        }

        enum CodingKeys: String, CodingKey {
            case command, env, workdir
            case runAs = "run_as"
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
        let isolation = context.isolation
        let identity = try TaskIdentity.forTask(requested: settings.runAs ?? isolation.runAs)
        let workspace = try TaskWorkspace(
            root: isolation.workspaceRoot, daemonMarker: isolation.daemonMarker, attempt: context.attempt, pipeline: context.pipeline, owner: identity)
        defer { workspace.remove() }
        let environment = TaskEnvironment.build(
            daemon: isolation.daemonEnvironment, isolation: isolation, identity: identity,
            workspace: workspace.path, taskEnvironment: settings.env ?? [:], context: context)
        let process = try ChildProcess(
            argv: ["/bin/sh", "-c", settings.command], environment: environment,
            directory: settings.workdir ?? workspace.path, identity: identity, log: context.log)
        let status = await process.waitForExit(grace: killGrace)
        try Task.checkCancellation()
        guard status == 0 else {
            throw JobFailure(Self.explain(status), exitCode: status)
        }
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
