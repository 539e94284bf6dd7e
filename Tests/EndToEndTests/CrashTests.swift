import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchedulerTesting
import Testing

/// The daemon killed with `kill -9` again and again while tasks run, as a crash would: nothing runs twice that
/// should not, nothing is lost, and the DAG's order holds across every restart.
@Suite(.timeLimit(.minutes(5))) struct CrashTests {
    /// Each task writes a line when it starts and one when it succeeds, into one shared file.
    private func pipeline(marks: String) -> String {
        func task(_ id: String, needs: String?) -> String {
            """
              - id: \(id)
                kind: shell
                retries: 30
                retry_backoff: 50ms
                retry_backoff_max: 200ms
            \(needs.map { "    needs: [\($0)]\n" } ?? "")    with:
                  command: "echo \\"start \(id) $AUTOOPTIMIZE_RUN_ID $AUTOOPTIMIZE_ATTEMPT\\" >> \(marks); sleep 0.3; echo \\"end \(id) $AUTOOPTIMIZE_RUN_ID\\" >> \(marks)"
            """
        }
        return """
            id: chain
            schedule: "0 * * * *"
            max_active_runs: 4
            tasks:
            \(task("a", needs: nil))
            \(task("b", needs: "a"))
            \(task("c", needs: "b"))
            """
    }

    private func post(_ daemon: Daemon, _ path: String, _ body: [String: Any], key: String? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: daemon.url + path)!)
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    private func lines(_ path: String) -> [[Substring]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ") }
    }

    @Test func killedADozenTimesWhileTasksRunEveryKeyIsOneRunAndEveryRunSucceedsInOrder() async throws {
        let root = try TemporaryDirectory("autooptimize-crash")
        let marks = root.appending("marks.log").path
        // Every Daemon is kept until the end: dropping one removes its directory, which they all share.
        var daemons = [try Daemon(root: root)]
        try daemons[0].write("chain.yaml", pipeline(marks: marks))
        // The attempts' working directories in a root of the test's own, to see what the kills leave there.
        let workspaces = root.appending("workspaces")
        let settings = root.appending("settings.yaml")
        try "task_workspace: \(workspaces.path)\n".write(to: settings, atomically: true, encoding: .utf8)
        var generator = SystemRandomNumberGenerator()
        var keys: [String] = []
        for round in 0..<12 {
            if round > 0 { daemons.append(try Daemon(root: root)) }
            let daemon = daemons[round]
            try await daemon.start(extra: ["--config", settings.path])
            if round == 0 {
                _ = try await post(daemon, "/api/v1/pipelines/chain/backfill", ["from": "2025-01-01T00:00:00Z", "to": "2025-01-01T05:00:00Z"])
            }
            // A new key each round and, half the time, a key already used (a CI job retrying its trigger after the
            // daemon died). The new run's three tasks are there to be interrupted.
            let started = lines(marks).filter { $0.first == "start" }.count
            keys.append("key-\(keys.count)")
            var sent = [keys.last!]
            if Bool.random(using: &generator) { sent.append(keys.randomElement(using: &generator)!) }
            for key in sent { _ = try? await post(daemon, "/api/v1/pipelines/chain/runs", [:], key: key) }
            // Killed at a random moment while tasks run: after 1 to 3 more tasks have started.
            let more = Int.random(in: 1...3, using: &generator)
            try await eventually(within: 30, "\(more) more tasks to start") { lines(marks).filter { $0.first == "start" }.count >= started + more }
            daemon.kill9()
            try await eventually("the daemon to be gone") { kill(daemon.pid, 0) != 0 }
        }

        let final = try Daemon(root: root)
        daemons.append(final)
        try await final.start(extra: ["--config", settings.path])
        var runs: [[String: Any]] = []
        try await eventually(within: 180, "every run to end") {
            runs = (try await final.get("/api/v1/runs?pipeline=chain&limit=500")["runs"] as? [[String: Any]]) ?? []
            return !runs.isEmpty && runs.allSatisfy { ["succeeded", "failed", "cancelled"].contains($0["state"] as? String ?? "") }
        }
        #expect(runs.allSatisfy { $0["state"] as? String == "succeeded" }, "\(runs.map { "\($0["id"] ?? "") \($0["state"] ?? "")" })")

        // Every idempotency key is exactly one run.
        let manual = runs.filter { $0["trigger"] as? String == "manual" }
        let byKey = Dictionary(grouping: manual) { $0["idempotencyKey"] as? String ?? "" }
        #expect(Set(byKey.keys) == Set(keys))
        #expect(byKey.values.allSatisfy { $0.count == 1 }, "\(byKey.mapValues(\.count))")

        // Every backfilled hour is exactly one run; no logical date of the schedule runs twice.
        let dated = runs.filter { $0["trigger"] as? String != "manual" }.compactMap { $0["logicalDate"] as? String }
        #expect(Set(dated).count == dated.count, "a logical date ran twice: \(dated.sorted())")
        let backfilled = Set(runs.filter { $0["trigger"] as? String == "backfill" }.compactMap { $0["logicalDate"] as? String })
        #expect(backfilled == Set((0...5).map { "2025-01-01T0\($0):00:00.000Z" }), "\(backfilled.sorted())")

        // No task started before its upstream had succeeded in the same run; every run's tasks all succeeded.
        let recorded = lines(marks)
        for (index, line) in recorded.enumerated() where line.first == "start" && line.count >= 3 {
            let (task, run) = (line[1], line[2])
            guard let upstream = ["b": "a", "c": "b"][String(task)] else { continue }
            let before = recorded[..<index].contains { $0.first == "end" && $0.count >= 3 && $0[1] == Substring(upstream) && $0[2] == run }
            #expect(before, "task \(task) of run \(run) started before \(upstream) succeeded")
        }
        for run in runs.compactMap({ $0["id"] as? Int }) {
            let ended = Set(recorded.filter { $0.first == "end" && $0.count >= 3 && $0[2] == Substring(String(run)) }.map { String($0[1]) })
            #expect(ended == ["a", "b", "c"], "run \(run) ended \(ended.sorted())")
        }
        // What the killed daemons' attempts left was removed at the next start; the finished attempts took theirs.
        let left = (try? FileManager.default.contentsOfDirectory(atPath: workspaces.path)) ?? []
        #expect(left.isEmpty, "working directories left behind: \(left)")
        withExtendedLifetime(daemons) {}
    }
}
