import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// A shell task gets stdin, stdout and stderr, a clean environment and a private working directory: nothing else of
/// the daemon's (its sockets, its secrets, its data directory, its user when it runs as root).
@Suite(.timeLimit(.minutes(1))) struct ShellIsolationTests {
    private func run(
        _ command: String, in directory: TemporaryDirectory, isolation: TaskIsolation? = nil, runAs: String? = nil
    ) async throws -> (AttemptOutcome, String) {
        let key = AttemptKey(taskRun: TaskRunKey(run: RunID(7), task: TaskID("t")), number: 1)
        let logPath = directory.appending("t.1.log").path
        let request = AttemptRequest(
            key: key, pipeline: PipelineID("p"), job: try ShellJob(settings: .init(command: command, runAs: runAs)),
            logicalDate: Date(timeIntervalSince1970: 0), params: [:], logPath: logPath, stop: AttemptStopSignal())
        let runner = InProcessRunner(dataDirectory: directory.url, isolation: isolation)
        let outcome = await runner.run(request).outcome
        return (outcome, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    @Test func theTaskReceivesOnlyStandardDescriptors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A descriptor without close-on-exec, as a library of the daemon might leave one (a listening socket did).
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked > 2)
        defer { close(leaked) }
        // The shell's own descriptors, listed by a child (no redirection: dash would save descriptors to do it).
        let (outcome, log) = try await run("ls /proc/$$/fd", in: directory)
        #expect(outcome == .succeeded)
        #expect(log == "0\n1\n2\n")
    }

    @Test func theEnvironmentIsCleanPlusWhatPassEnvNames() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The daemon's environment as it would be (the test process's own is never changed: other tests read it).
        var daemon = ProcessInfo.processInfo.environment
        daemon["AUTOOPTIMIZE_ADMIN_PASSWORD"] = "daemon secret"
        daemon["SHELL_ISOLATION_PASSED"] = "passed on"
        daemon["SHELL_ISOLATION_KEPT"] = "daemon only"
        let isolation = TaskIsolation(
            dataDirectory: directory.url, passEnvironment: ["SHELL_ISOLATION_PASSED"], daemonEnvironment: daemon)
        let (outcome, log) = try await run("env", in: directory, isolation: isolation)
        #expect(outcome == .succeeded)
        let names = Set(log.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        #expect(!log.contains("daemon secret"))
        #expect(!log.contains("daemon only"))
        #expect(!log.contains(directory.url.path + "\n"))
        #expect(log.contains("SHELL_ISOLATION_PASSED=passed on\n"))
        #expect(log.contains("AUTOOPTIMIZE_DAEMON=\(isolation.daemonMarker)\n"))
        let allowed: Set<String> = [
            "PATH", "LANG", "LANGUAGE", "TZ", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "PWD", "SHLVL", "_", "OLDPWD",
            "SHELL_ISOLATION_PASSED", "AUTOOPTIMIZE_PIPELINE", "AUTOOPTIMIZE_TASK", "AUTOOPTIMIZE_RUN_ID",
            "AUTOOPTIMIZE_ATTEMPT", "AUTOOPTIMIZE_LOGICAL_DATE", "AUTOOPTIMIZE_DAEMON",
        ]
        #expect(names.filter { !allowed.contains($0) && !$0.hasPrefix("LC_") }.isEmpty, "unexpected: \(names.subtracting(allowed))")
    }

    @Test func eachAttemptWorksInAPrivateDirectoryThatGoesWithIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("workspaces")
        let isolation = TaskIsolation(dataDirectory: directory.url, workspaceRoot: root)
        let (outcome, log) = try await run(
            "pwd; echo \"$TMPDIR\"; stat -c %a .; touch scratch", in: directory, isolation: isolation)
        #expect(outcome == .succeeded)
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix(root.path + "/autooptimize-\(isolation.daemonMarker.prefix(12))-p-7-t-1-") == true)
        #expect(lines[safe: 1] == lines.first)
        #expect(lines[safe: 2] == "700")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test func aRestartRemovesWhatItsCutShortAttemptsLeftAndNoOtherDaemons() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.appending("workspaces")
        let mine = TaskIsolation(dataDirectory: directory.appending("mine"), workspaceRoot: root)
        let theirs = TaskIsolation(dataDirectory: directory.appending("theirs"), workspaceRoot: root)
        let mineLeft = root.appendingPathComponent("autooptimize-\(mine.daemonMarker.prefix(12))-p-7-t-1-Ab12Cd")
        let theirsLive = root.appendingPathComponent("autooptimize-\(theirs.daemonMarker.prefix(12))-p-7-t-1-Xy34Zw")
        for workspace in [mineLeft, theirsLive] {
            try FileManager.default.createDirectory(at: workspace.appendingPathComponent("nested"), withIntermediateDirectories: true)
            try "scratch".write(to: workspace.appendingPathComponent("nested/file"), atomically: true, encoding: .utf8)
        }
        try "not a workspace".write(to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(mine.removeLeftoverWorkspaces() == 1)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: root.path)) == [theirsLive.lastPathComponent, "notes.txt"])
        #expect(mine.removeLeftoverWorkspaces() == 0)
    }

    @Test func asRootTheTaskRunsAsItsUserAndCannotReadTheDaemonsFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = directory.appending("secret")
        try "token".write(to: secret, atomically: true, encoding: .utf8)
        chmod(secret.path, 0o600)
        let (outcome, log) = try await run("id -u; id -g; echo \"$HOME\"; cat \(secret.path)", in: directory, runAs: "nobody")
        guard geteuid() == 0 else {
            // Only root can switch users; any other daemon says so rather than running the task as itself.
            #expect(outcome.reason?.contains("cannot start tasks as another user") == true)
            return
        }
        #expect(outcome == .failed(reason: "command exited with status 1", exitCode: 1))
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["65534", "65534"])
        #expect(lines[safe: 2] == "/nonexistent")
        #expect(log.contains("Permission denied"))
        #expect(!log.contains("token\n"))
    }

    @Test func anUnknownUserFailsTheAttemptSayingWho() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, _) = try await run("true", in: directory, runAs: "no-such-user-autooptimize")
        #expect(outcome == .failed(reason: "run_as: there is no user \"no-such-user-autooptimize\" on this machine", exitCode: nil))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
