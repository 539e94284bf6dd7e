import Foundation
import SchedulerTesting
import Testing

/// A task is a stranger to the daemon: it holds none of its sockets (so a task that outlives a `kill -9` cannot keep
/// the port), sees none of its secrets, and cannot read its files.
@Suite(.timeLimit(.minutes(2))) struct TaskIsolationTests {
    @Test func aTaskThatOutlivesAKill9HoldsNoDescriptorAndTheDaemonRestartsOnItsPortAtOnce() async throws {
        let daemon = try Daemon()
        let pidFile = daemon.root.appending("task.pid").path
        try daemon.write("long.yaml", """
            id: long
            tasks:
              - id: work
                kind: shell
                retries: 1
                retry_backoff: 100ms
                with: {command: "if [ -f \(pidFile) ]; then echo again; else echo $$ > \(pidFile); exec sleep 300; fi"}
            """)
        try await daemon.start()
        let port = try #require(daemon.url.split(separator: ":").last.map(String.init))
        let run = try await daemon.trigger("long")
        try await eventually(within: 20, "the task to start") {
            (try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") ?? false
        }
        let task = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(task)/fd").sorted()
        #expect(descriptors == ["0", "1", "2"])

        daemon.kill9()
        try await eventually("the daemon to be gone") { kill(daemon.pid, 0) != 0 }
        #expect(kill(task, 0) == 0, "the task lives on after the daemon's kill -9")

        // Same port, straight away: nothing the task holds is the daemon's listening socket.
        let restarted = try Daemon(root: daemon.root)
        try await restarted.start(extra: ["--port", port])
        #expect(restarted.url.hasSuffix(":\(port)"))
        try await eventually(within: 30, "the recovered run to succeed") { try await restarted.runState(run) == "succeeded" }
        try await eventually("the interrupted task to be killed") { kill(task, 0) != 0 }
    }

    @Test func aTaskSeesNeitherTheDaemonsSecretsNorItsFiles() async throws {
        let daemon = try Daemon()
        let settings = daemon.root.appending("settings.yaml")
        let runAs = geteuid() == 0 ? "run_as: nobody\n" : ""
        try "pass_env: [ISOLATION_PASSED]\n\(runAs)".write(to: settings, atomically: true, encoding: .utf8)
        try daemon.write("probe.yaml", """
            id: probe
            tasks:
              - id: look
                kind: shell
                with:
                  command: |
                    id -u
                    env | sort
                    pwd
                    cat \(daemon.data.path)/local-admin.token && echo READ-THE-TOKEN
                    true
            """)
        try await daemon.start(
            extra: ["--config", settings.path],
            environment: [
                "AUTOOPTIMIZE_ADMIN_PASSWORD": "an admin password of the daemon", "ISOLATION_PASSED": "passed to tasks",
                "ISOLATION_KEPT": "kept by the daemon",
            ])
        let run = try await daemon.trigger("probe")
        try await eventually(within: 20, "the probe to finish") { try await daemon.runState(run) == "succeeded" }
        let log = try String(contentsOf: daemon.data.appendingPathComponent("logs/probe/\(run)/look.1.log"), encoding: .utf8)
        #expect(!log.contains("an admin password of the daemon"))
        #expect(!log.contains("kept by the daemon"))
        #expect(log.contains("ISOLATION_PASSED=passed to tasks\n"))
        #expect(!log.contains(daemon.data.path + "\n"), "the task is not told where the data directory is")
        #expect(!log.contains("READ-THE-TOKEN"))
        if geteuid() == 0 { #expect(log.hasPrefix("65534\n")) }

        // The data directory and what is in it are the daemon's user's alone.
        #expect(try permissions(daemon.data.path) == 0o700)
        #expect(try permissions(daemon.data.appendingPathComponent("autooptimize.sqlite").path) == 0o600)
        #expect(try permissions(daemon.data.appendingPathComponent("logs/probe/\(run)/look.1.log").path) & 0o077 == 0)
    }
}
