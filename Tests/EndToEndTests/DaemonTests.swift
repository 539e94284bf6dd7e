import Foundation
import SchedulerTesting
import Testing

/// The real daemon on a temporary directory, driven through its files, its API and its CLI.
@Suite(.timeLimit(.minutes(3))) struct DaemonTests {
    @Test func pipelineRunsOnItsSchedule() async throws {
        let daemon = try Daemon()
        try daemon.write("tick.yaml", "id: tick\nschedule: \"* * * * *\"\ntasks: [{id: say, kind: shell, with: {command: echo tick}}]\n")
        try await daemon.start()
        // The next minute boundary is at most 60 s away.
        var runID = 0
        try await eventually(within: 75, "a scheduled run to succeed") {
            let runs = (try await daemon.get("/api/v1/runs?pipeline=tick")["runs"] as? [[String: Any]]) ?? []
            guard let run = runs.first(where: { $0["trigger"] as? String == "schedule" && $0["state"] as? String == "succeeded" }) else { return false }
            runID = run["id"] as! Int
            return true
        }
        let logical = (try await daemon.run(runID)["run"] as? [String: Any])?["logicalDate"] as? String
        #expect(logical?.hasSuffix(":00.000Z") == true)
        let logs = try await daemon.cli(["logs", "\(runID)", "say", "--data", daemon.data.path])
        #expect(logs.status == 0 && logs.out == "tick\n")
    }

    @Test func failedTaskIsRetriedThenSucceeds() async throws {
        let daemon = try Daemon()
        let marker = daemon.root.appending("marker").path
        try daemon.write("flaky.yaml", """
            id: flaky
            tasks:
              - id: once
                kind: shell
                retries: 2
                retry_backoff: 200ms
                with: {command: "if [ -f \(marker) ]; then echo second; else touch \(marker); echo first; exit 4; fi"}
            """)
        try await daemon.start()
        let run = try await daemon.trigger("flaky")
        try await eventually(within: 20, "the run to succeed") { try await daemon.runState(run) == "succeeded" }
        let attempts = try await daemon.attempts(run)
        #expect(attempts.map { $0["state"] as? String } == ["failed", "succeeded"])
        #expect(attempts.first?["exitCode"] as? Int == 4)
        let firstLog = try await daemon.cli(["logs", "\(run)", "once", "--attempt", "1", "--data", daemon.data.path]).out
        #expect(firstLog == "first\n[autooptimize: command exited with status 4]\n")
    }

    @Test func triggerCommandStartsARunWithTypedParamsOnceByIdempotencyKey() async throws {
        let daemon = try Daemon()
        try daemon.write("greet.yaml", """
            id: greet
            params: {days: {type: integer, default: 1}, who: {type: string, default: world}}
            tasks: [{id: say, kind: shell, with: {command: "echo $AUTOOPTIMIZE_PARAM_WHO $AUTOOPTIMIZE_PARAM_DAYS"}}]
            """)
        try await daemon.start()
        let arguments = ["trigger", "greet", "--param", "days=3", "--param", "who=ana", "--idempotency-key", "ci-7", "--data", daemon.data.path]
        let first = try await daemon.cli(arguments)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.hasPrefix("run 1 of greet:"))
        let again = try await daemon.cli(arguments)
        #expect(again.out.hasPrefix("run 1 of greet:") && again.out.contains("existing run for this idempotency key"))
        try await eventually("the run to succeed") { try await daemon.runState(1) == "succeeded" }
        #expect(try await daemon.cli(["logs", "1", "say", "--data", daemon.data.path]).out == "ana 3\n")
        let bad = try await daemon.cli(["trigger", "greet", "--param", "days=three", "--data", daemon.data.path])
        #expect(bad.status != 0 && bad.err.contains("param \"days\": \"three\" is not an integer"))
    }

    @Test func timeoutKillsTheTaskProcessGroup() async throws {
        let daemon = try Daemon()
        let pidFile = daemon.root.appending("child.pid").path
        try daemon.write("slow.yaml", """
            id: slow
            tasks:
              - id: hang
                kind: shell
                timeout: 1s
                with: {command: "sleep 300 & echo $! > \(pidFile); wait", kill_grace: 1s}
            """)
        try await daemon.start()
        let run = try await daemon.trigger("slow")
        try await eventually(within: 20, "the run to fail") { try await daemon.runState(run) == "failed" }
        let attempt = try #require(try await daemon.attempts(run).first)
        #expect(attempt["state"] as? String == "timed_out")
        #expect(attempt["reason"] as? String == "timed out after 1s")
        let child = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await eventually("the background sleep to be killed with its group") { kill(child, 0) != 0 }
    }

    @Test func killDashNineMidRunThenRestartRecoversAndRetries() async throws {
        let daemon = try Daemon()
        let marker = daemon.root.appending("started").path
        let pidFile = daemon.root.appending("first.pid").path
        try daemon.write("long.yaml", """
            id: long
            tasks:
              - id: work
                kind: shell
                retries: 1
                retry_backoff: 100ms
                with: {command: "if [ -f \(marker) ]; then echo again; else touch \(marker); echo $$ > \(pidFile); sleep 300; fi"}
              - id: after
                kind: noop
                needs: [work]
            """)
        try await daemon.start()
        let run = try await daemon.trigger("long")
        try await eventually(within: 20, "the first attempt to be running") { FileManager.default.fileExists(atPath: pidFile) }
        let firstShell = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))

        // When the daemon dies without warning, its child goes on running…
        daemon.kill9()
        #expect(kill(firstShell, 0) == 0)

        // …until the restarted daemon finds the interrupted attempt, kills what it left, and retries.
        let restarted = try Daemon(root: daemon.root)
        try await restarted.start()
        try await eventually(within: 30, "the recovered run to succeed") { try await restarted.runState(run) == "succeeded" }
        try await eventually("the first attempt's process to be gone") { kill(firstShell, 0) != 0 }
        let attempts = try await restarted.attempts(run).filter { $0["task"] as? String == "work" }
        #expect(attempts.map { $0["state"] as? String } == ["interrupted", "succeeded"])
        #expect(attempts.first?["reason"] as? String == "the daemon stopped while this attempt ran (found at restart)")
        let runs = (try await restarted.get("/api/v1/runs?pipeline=long")["runs"] as? [[String: Any]]) ?? []
        #expect(runs.count == 1)
    }

    @Test func sigtermLetsRunningTasksFinishWithinTheGracePeriod() async throws {
        let daemon = try Daemon()
        let started = daemon.root.appending("started").path
        try daemon.write("short.yaml", "id: short\ntasks: [{id: nap, kind: shell, with: {command: \"touch \(started); sleep 1; echo rested\"}}]\n")
        try await daemon.start()
        let run = try await daemon.trigger("short")
        try await eventually("the task to start") { FileManager.default.fileExists(atPath: started) }
        daemon.stop()
        // The daemon waited for the attempt before exiting: the store says so.
        let shown = try await daemon.cli(["show", "\(run)", "--data", daemon.data.path])
        #expect(shown.out.hasPrefix("run \(run) of short: succeeded"), "\(shown.out)\(shown.err)")
        #expect(!FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("daemon.json").path))
    }

    @Test func sigtermPastTheGracePeriodInterruptsAndTheNextStartRunsTheTaskAgainWithoutUsingARetry() async throws {
        let daemon = try Daemon()
        let marker = daemon.root.appending("marker").path
        try "shutdown_grace: 300ms\n".write(to: daemon.root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        try daemon.write("long.yaml", """
            id: long
            tasks: [{id: work, kind: shell, retries: 0, with: {command: "if [ -f \(marker) ]; then echo second; else touch \(marker); sleep 300; fi"}}]
            """)
        try await daemon.start(extra: ["--config", daemon.root.appending("settings.yaml").path])
        let run = try await daemon.trigger("long")
        try await eventually("the first attempt to start") { FileManager.default.fileExists(atPath: marker) }
        daemon.stop()
        let restarted = try Daemon(root: daemon.root)
        try await restarted.start()
        do {
            try await eventually(within: 20, "the run to succeed after the restart") { try await restarted.runState(run) == "succeeded" }
        } catch {
            Issue.record("\(error): \(try await restarted.run(run)); first daemon: \(daemon.stderr); second: \(restarted.stderr)")
            throw error
        }
        let attempts = try await restarted.attempts(run)
        #expect(attempts.map { $0["state"] as? String } == ["interrupted", "succeeded"])
        #expect(attempts.first?["reason"] as? String == "the daemon shut down while the attempt ran")
    }

    @Test func hotReloadAppliesAGoodChangeAndKeepsTheLastGoodVersionOfABrokenOne() async throws {
        let daemon = try Daemon()
        try daemon.write("live.yaml", "id: live\ntasks: [{id: one, kind: noop}]\n")
        try await daemon.start()
        func tasks() async throws -> [String] {
            let pipelines = (try await daemon.get("/api/v1/pipelines")["pipelines"] as? [[String: Any]]) ?? []
            return (pipelines.first { $0["id"] as? String == "live" }?["tasks"] as? [String]) ?? []
        }
        #expect(try await tasks() == ["one"])

        // A good change is picked up while the daemon runs.
        try daemon.write("live.yaml", "id: live\ntasks: [{id: one, kind: noop}, {id: two, kind: noop, needs: [one]}]\n")
        try await eventually("the new version to load") { try await tasks() == ["one", "two"] }

        // A broken change leaves the last good version running, and says what is wrong where.
        try daemon.write("live.yaml", "id: live\ntasks: [{id: one, kind: noop, needs: [ghost]}]\n")
        try await eventually("the error to be visible") {
            let broken = try await daemon.get("/api/v1/pipelines")["brokenFiles"] as? [String: [String]]
            return broken?.values.joined().contains { $0.hasSuffix(":2: task \"one\" needs \"ghost\", which does not exist (tasks: one)") } ?? false
        }
        #expect(try await tasks() == ["one", "two"])
        let run = try await daemon.trigger("live")
        try await eventually("a run of the last good version to succeed") { try await daemon.runState(run) == "succeeded" }
        #expect(try await daemon.attempts(run).count == 2)
    }
}
