public import Foundation

/// A process the test started and reaps itself with `waitpid`, so that killing it
/// never depends on Foundation's run-loop-driven `Process` bookkeeping (which can
/// leave a killed child unreaped while a test awaits on the cooperative pool).
public final class SpawnedProcess: @unchecked Sendable {
    public let pid: pid_t
    private var reaped = false

    /// - Parameter environment: added to the test's own environment for this process only (the test process's
    ///   environment is never changed: `setenv` beside a concurrent spawn reading `environ` can fault).
    public init(
        _ executable: URL, _ arguments: [String], stdoutPath: String = "/dev/null", stderrPath: String,
        environment: [String: String] = [:]
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { variables.forEach { free($0) } }
        let result = posix_spawn(&pid, executable.path, &actions, nil, argv, variables)
        guard result == 0 else { throw SpawnFailure(description: "cannot start \(executable.path): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Whether it still runs (reaping it if it has exited).
    public var isRunning: Bool {
        guard !reaped else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
        return !reaped
    }

    /// Waits for the exit on a thread of its own; returns the exit status (128 + signal when killed).
    public func exitStatus() async -> Int32 {
        let pid = self.pid
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        reaped = true
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Sends `signal` and returns (for signals that do not end the process: SIGUSR1, SIGSTOP…).
    public func send(_ signal: Int32) {
        guard !reaped else { return }
        kill(pid, signal)
    }

    /// Sends `signal` and waits for the exit.
    public func stop(_ signal: Int32 = SIGTERM) {
        guard !reaped else { return }
        kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }
}

/// A process that could not be started.
public struct SpawnFailure: Error, CustomStringConvertible {
    public let description: String
}
