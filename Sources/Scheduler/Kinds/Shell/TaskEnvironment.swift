import Foundation

/// The environment of a task's process, built from nothing rather than copied
/// from the daemon's (which may hold `AUTOOPTIMIZE_ADMIN_PASSWORD` and other secrets).
enum TaskEnvironment {
    /// Of the daemon's own variables, these describe the machine rather than the daemon, and pass.
    static let machineVariables = ["PATH", "LANG", "LANGUAGE", "TZ"]
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// In order, later ones winning: the machine's variables, who the task is (HOME, USER, LOGNAME, SHELL, TMPDIR),
    /// what `pass_env` names, the task's `env:`, then the `AUTOOPTIMIZE_*` context.
    static func build(
        daemon: [String: String], isolation: TaskIsolation, identity: TaskIdentity?, workspace: String,
        taskEnvironment: [String: String], context: JobContext
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for (name, value) in daemon where machineVariables.contains(name) || name.hasPrefix("LC_") {
            environment[name] = value
        }
        environment["PATH"] = environment["PATH"] ?? defaultPath
        if let identity {
            environment["HOME"] = identity.home
            environment["USER"] = identity.name
            environment["LOGNAME"] = identity.name
        } else {
            for name in ["HOME", "USER", "LOGNAME"] { environment[name] = daemon[name] }
        }
        environment["SHELL"] = "/bin/sh"
        environment["TMPDIR"] = workspace
        for name in isolation.passEnvironment {
            environment[name] = daemon[name]
        }
        environment.merge(taskEnvironment) { $1 }
        environment["AUTOOPTIMIZE_PIPELINE"] = context.pipeline.rawValue
        environment["AUTOOPTIMIZE_TASK"] = context.task.rawValue
        environment["AUTOOPTIMIZE_RUN_ID"] = context.run.description
        environment["AUTOOPTIMIZE_ATTEMPT"] = context.attempt.marker
        environment["AUTOOPTIMIZE_LOGICAL_DATE"] = RFC3339.format(context.logicalDate)
        environment["AUTOOPTIMIZE_DAEMON"] = isolation.daemonMarker
        for (name, value) in context.params {
            environment["AUTOOPTIMIZE_PARAM_\(name.uppercased())"] = value.description
        }
        return environment
    }
}
