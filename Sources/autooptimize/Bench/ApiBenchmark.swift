import ArgumentParser
import Foundation
import NIOHTTP1
import Scheduler

/// `autooptimize bench api`: the daemon's HTTP API under load from `wrk` (Debian's package),
/// on a store holding `history` past runs. Release build; prints one JSON object.
struct APIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Measure the API with wrk: health, a runs page, a pipeline's grid and calendar over a large history, triggers, trigger-to-running.")

    @Option(help: "Past runs in the store.") var history: Int = 100_000
    @Option(help: "Seconds per wrk measurement.") var seconds: Int = 5

    func run() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            throw ValidationError("wrk is not installed (apt-get install wrk)")
        }
        let root = try BenchSupport.scratchDirectory("api-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let jobs = root.appendingPathComponent("jobs.d")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "id: bench\nmax_active_runs: 64\ntasks: [{id: a, kind: noop}]\n".write(to: jobs.appendingPathComponent("bench.yaml"), atomically: true, encoding: .utf8)
        try "id: latency\nmax_active_runs: 64\ntasks: [{id: a, kind: noop}]\n".write(to: jobs.appendingPathComponent("latency.yaml"), atomically: true, encoding: .utf8)
        try Self.fill(data.appendingPathComponent("autooptimize.sqlite").path, runs: history)

        let daemon = try await BenchDaemon.start(jobs: jobs, data: data, extra: ["--log-level", "error", "--max-running-tasks", "64"])
        defer { BenchDaemon.stop(daemon) }
        let info = data.appendingPathComponent("daemon.json")
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: info)) as? [String: Any],
            let url = object["url"] as? String
        else { throw BenchError("cannot read \(info.path)") }
        let token = try LocalCredential.read(from: data).token

        var report: [String: Any] = [
            "history_runs": history, "cores": ProcessInfo.processInfo.activeProcessorCount, "wrk_threads": 1, "runs_page_connections": 32,
        ]
        report["health_rps"] = try Wrk.run(url + "/api/v1/health", seconds: seconds, connections: 64).rps
        let page = try Wrk.run(url + "/api/v1/runs?limit=50", seconds: seconds, connections: 32, token: token)
        report["runs_page_rps"] = page.rps
        report["runs_page_p99_ms"] = page.p99ms
        // The panel's pipeline page: its grid, and its calendar, which reads every run of the last 26 weeks (the
        // whole history here: a run a minute).
        let grid = try Wrk.run(url + "/api/v1/pipelines/bench/grid?limit=25", seconds: seconds, connections: 8, token: token)
        report["grid_page_rps"] = grid.rps
        report["grid_page_p99_ms"] = grid.p99ms
        let calendar = try Wrk.run(url + "/api/v1/pipelines/bench/calendar?days=182", seconds: seconds, connections: 8, token: token)
        report["calendar_rps"] = calendar.rps
        report["calendar_p99_ms"] = calendar.p99ms
        report["trigger_to_running_p50_ms"] = try await Self.triggerToRunning(url: url, token: token, count: 200)
        report["trigger_rps"] = try Wrk.run(url + "/api/v1/pipelines/bench/runs", seconds: seconds, connections: 16, token: token, post: "{}").rps
        try BenchSupport.printReport(report)
    }

    /// A history of finished runs, written straight to the store in one transaction.
    private static func fill(_ path: String, runs: Int) throws {
        let store = try Store.open(at: path, durability: .normal)
        let start = Date().addingTimeInterval(-Double(runs) * 60)
        let changes: [StoreChange] = (1...max(1, runs)).map { index in
            let date = start.addingTimeInterval(Double(index) * 60)
            let run = Run(
                id: RunID(Int64(index)), pipeline: PipelineID("bench"), trigger: .manual, logicalDate: date, state: .succeeded,
                createdAt: date, startedAt: date, finishedAt: date.addingTimeInterval(1))
            return .createRun(run, taskRuns: [TaskRun(key: TaskRunKey(run: run.id, task: TaskID("a")), state: .succeeded, tries: 1, attempts: 1)])
        }
        try store.applyNow(changes)
    }

    /// Median milliseconds from sending a trigger to its first task's attempt starting, as the store records it.
    private static func triggerToRunning(url: String, token: String, count: Int) async throws -> Double {
        let client = DaemonHTTPClient(baseURL: URL(string: url)!, trust: .system(extraRoot: nil))
        let headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        var samples: [Double] = []
        for _ in 0..<count {
            // Truncated to the millisecond like the times the API gives, so the difference is never negative.
            let sent = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            let created = try await client.send(.POST, "/api/v1/pipelines/latency/runs", headers: headers, body: Data("{}".utf8), timeout: .seconds(10))
            let run = try JSONSerialization.jsonObject(with: created.body) as? [String: Any]
            guard let id = run?["id"] as? Int else { throw BenchError("trigger failed: \(created.status)") }
            let detail = try await client.send(.GET, "/api/v1/runs/\(id)?wait=10", headers: headers, body: Data(), timeout: .seconds(15))
            let attempts = (try JSONSerialization.jsonObject(with: detail.body) as? [String: Any])?["attempts"] as? [[String: Any]]
            guard let startedText = attempts?.first?["startedAt"] as? String,
                let started = try? Date(startedText, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            else { throw BenchError("run \(id) did not start") }
            samples.append(started.timeIntervalSince(sent) * 1000)
        }
        return EngineBenchmark.round3(EngineBenchmark.percentile(samples, 0.5))
    }
}

/// Runs `wrk` and reads its requests per second and 99th-percentile latency.
enum Wrk {
    struct Result {
        let rps: Int
        let p99ms: Double
    }

    static func run(_ url: String, seconds: Int, connections: Int, token: String? = nil, post body: String? = nil) throws -> Result {
        // One wrk thread: on two cores, a second one takes a core's worth of time from the daemon under
        // test, and the requests it preempts make the tail (runs page p99 45 ms with -t2, 14 ms with -t1,
        // at the same requests per second).
        var arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        var script: URL?
        if let body {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("wrk-\(UUID().uuidString).lua")
            try "wrk.method = \"POST\"\nwrk.body = \"\(body.replacingOccurrences(of: "\"", with: "\\\""))\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
                .write(to: file, atomically: true, encoding: .utf8)
            arguments += ["-s", file.path]
            script = file
        }
        defer { script.map { try? FileManager.default.removeItem(at: $0) } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let rpsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let rps = Double(rpsLine.split(separator: " ").last ?? "")
        else { throw BenchError("cannot read wrk's output:\n\(text)") }
        if text.contains("Non-2xx or 3xx responses") { throw BenchError("wrk saw error responses:\n\(text)") }
        let p99 = text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("99%") }
            .map { milliseconds(String($0.split(separator: " ").last ?? "")) } ?? 0
        return Result(rps: Int(rps), p99ms: p99)
    }

    /// wrk writes latencies as `850.00us`, `5.12ms` or `1.02s`.
    private static func milliseconds(_ text: String) -> Double {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * factor
        }
        return 0
    }
}
