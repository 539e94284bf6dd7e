import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchedulerTesting
import Testing

/// The state-changing CLI commands, through the running daemon and its local credential.
@Suite(.timeLimit(.minutes(2))) struct ControlCommandTests {
    @Test func backfillPauseCancelRerunAndMarkWorkFromTheCommandLine() async throws {
        let daemon = try Daemon()
        let flag = daemon.root.appending("fixed").path
        try daemon.write("daily.yaml", """
            id: daily
            schedule: "0 6 * * *"
            tasks:
              - {id: check, kind: shell, with: {command: "test -f \(flag)"}}
              - {id: report, kind: noop, needs: [check]}
            """)
        try daemon.write("slow.yaml", "id: slow\ntasks: [{id: wait, kind: shell, with: {command: sleep 300}}]\n")
        try await daemon.start()
        let data = ["--data", daemon.data.path]

        // Backfill: one run per 06:00 in three days; a second backfill adds none.
        let backfill = try await daemon.cli(["backfill", "daily", "--from", "2025-03-01", "--to", "2025-03-03T23:00:00Z"] + data)
        #expect(backfill.out == "3 runs created\n", "\(backfill.err)")
        #expect(try await daemon.cli(["backfill", "daily", "--from", "2025-03-01", "--to", "2025-03-03"] + data).out.hasPrefix("0 runs created"))
        try await eventually("the backfilled runs to fail (the flag file is missing)") {
            try await (1...3).asyncAllSatisfy { try await daemon.runState($0) == "failed" }
        }

        // Rerun after fixing the cause: the failed task and its downstream run again in the same run.
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        #expect(try await daemon.cli(["rerun", "1"] + data).status == 0)
        try await eventually("run 1 to succeed on rerun") { try await daemon.runState(1) == "succeeded" }

        // Mark: a failed task marked succeeded lets its skipped downstream run.
        #expect(try await daemon.cli(["mark", "2", "check", "succeeded"] + data).status == 0)
        try await eventually("run 2 to succeed once marked") { try await daemon.runState(2) == "succeeded" }

        // Cancel stops a running shell task.
        let slow = try await daemon.cli(["trigger", "slow"] + data)
        let slowRun = try #require(Int(slow.out.split(separator: " ")[1]))
        try await eventually("the slow task to run") { try await daemon.attempts(slowRun).first?["state"] as? String == "running" }
        #expect(try await daemon.cli(["cancel", "\(slowRun)"] + data).status == 0)
        try await eventually("the slow run to be cancelled") { try await daemon.attempts(slowRun).first?["state"] as? String == "cancelled" }

        // Pause and unpause show in the pipeline list; refusals say why.
        #expect(try await daemon.cli(["pause", "daily"] + data).out == "daily: paused\n")
        let pipelines = (try await daemon.get("/api/v1/pipelines")["pipelines"] as? [[String: Any]]) ?? []
        #expect(pipelines.first { $0["id"] as? String == "daily" }?["paused"] as? Bool == true)
        #expect(try await daemon.cli(["unpause", "daily"] + data).status == 0)
        let unknown = try await daemon.cli(["cancel", "999"] + data)
        #expect(unknown.status != 0 && unknown.err.contains("unknown run 999"))
        let badMark = try await daemon.cli(["mark", "1", "check", "skipped"] + data)
        #expect(badMark.status != 0 && badMark.err.contains("a task can be marked succeeded or failed, not skipped"))
    }
}

@Suite(.timeLimit(.minutes(1))) struct TriggerWaitTests {
    @Test func triggerWaitExitsWithTheRunsOutcome() async throws {
        let daemon = try Daemon()
        try daemon.write("ok.yaml", "id: ok\ntasks: [{id: a, kind: shell, with: {command: 'sleep 0.2'}}]\n")
        try daemon.write("bad.yaml", "id: bad\ntasks: [{id: a, kind: shell, with: {command: 'exit 2'}}]\n")
        try await daemon.start()
        let good = try await daemon.cli(["trigger", "ok", "--wait", "--data", daemon.data.path])
        #expect(good.status == 0 && good.out.hasSuffix("run 1 of ok: succeeded\n"), "\(good.out)\(good.err)")
        let bad = try await daemon.cli(["trigger", "bad", "--wait", "--data", daemon.data.path])
        #expect(bad.status == 1 && bad.out.hasSuffix("run 2 of bad: failed\n"), "\(bad.out)\(bad.err)")
    }
}

@Suite(.timeLimit(.minutes(1))) struct RemoteCommandTests {
    /// Creates an API token through the API with the local credential, as an admin would.
    private func token(_ role: String, on daemon: Daemon) async throws -> String {
        let local = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        var request = URLRequest(url: URL(string: "\(daemon.url)/api/v1/tokens")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 5
        request.setValue("Bearer \(local)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"name": "ci", "role": "\#(role)", "pipelines": ["p"]}"#.utf8)
        let (body, _) = try await URLSession.shared.data(for: request)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        return try #require(object["token"] as? String)
    }

    @Test func theCommandLineActsWithAnAPITokenAndItsRoleAndScope() async throws {
        let daemon = try Daemon()
        try daemon.write("p.yaml", "id: p\ntasks: [{id: a, kind: noop}]\n")
        try await daemon.start()
        let elsewhere = ["--data", daemon.root.appending("not-the-data-dir").path, "--url", daemon.url]
        let operatorToken = try await token("operator", on: daemon)
        let allowed = try await Daemon.runCLI(["trigger", "p", "--wait", "--token", operatorToken] + elsewhere)
        #expect(allowed.status == 0 && allowed.out.hasSuffix("run 1 of p: succeeded\n"), "\(allowed.out)\(allowed.err)")
        let viewerToken = try await token("viewer", on: daemon)
        let refused = try await Daemon.runCLI(["trigger", "p", "--token", viewerToken] + elsewhere)
        #expect(refused.status != 0 && refused.err.contains("token ci (viewer) may not operate on pipeline \"p\""), "\(refused.err)")
        let noToken = try await Daemon.runCLI(["trigger", "p"] + elsewhere)
        #expect(noToken.status != 0 && noToken.err.contains("or give --token"), "\(noToken.err)")
    }
}

extension ClosedRange where Bound == Int {
    fileprivate func asyncAllSatisfy(_ predicate: (Int) async throws -> Bool) async rethrows -> Bool {
        for value in self where try await !predicate(value) { return false }
        return true
    }
}
