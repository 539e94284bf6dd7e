import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchedulerTesting

/// The real `autooptimize` executable, started on a temporary directory and a free port, talked to as a user would.
final class Daemon: @unchecked Sendable {
    let root: TemporaryDirectory
    private(set) var process: SpawnedProcess?
    private(set) var url = ""

    var jobs: URL { root.appending("jobs.d") }
    var data: URL { root.appending("data") }
    var stderrPath: String { root.appending("stderr.log").path }

    /// The built executable, beside this test bundle.
    static var executable: URL {
        get throws {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("autooptimize")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory.deleteLastPathComponent()
            }
            let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/autooptimize")
            guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
                throw E2EFailure("the autooptimize executable is not built (run `swift build` first)")
            }
            return fallback
        }
    }

    init(root: TemporaryDirectory? = nil) throws {
        self.root = try root ?? TemporaryDirectory("autooptimize-e2e")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ yaml: String) throws {
        // Written aside and moved in, as editors and deploy tools do, so the watcher never sees half a file.
        let temporary = root.appending(".\(name).tmp")
        try yaml.write(to: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary.path, jobs.appendingPathComponent(name).path) == 0 else {
            throw E2EFailure("cannot move \(name) into jobs.d: \(String(cString: strerror(errno)))")
        }
    }

    /// Starts `serve` and waits until it announces where it listens.
    /// - Parameter fileSizeLimitKB: no file the daemon writes may grow past this (`ulimit -f`, with SIGXFSZ ignored so
    ///   that a write past it fails with EFBIG as a write to a full disk fails with ENOSPC).
    func start(extra: [String] = [], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil) async throws {
        try? FileManager.default.removeItem(at: data.appendingPathComponent("daemon.json"))
        let arguments = ["serve", "--jobs", jobs.path, "--data", data.path, "--port", "0"] + extra
        let process: SpawnedProcess
        if let limit = fileSizeLimitKB {
            let script = "trap '' XFSZ; ulimit -f \(limit * 2); exec \"$0\" \"$@\""
            process = try SpawnedProcess(
                URL(fileURLWithPath: "/bin/sh"), ["-c", script, try Self.executable.path] + arguments, stderrPath: stderrPath, environment: environment)
        } else {
            process = try SpawnedProcess(try Self.executable, arguments, stderrPath: stderrPath, environment: environment)
        }
        self.process = process
        try await eventually(within: 30, "the daemon to listen") {
            guard process.isRunning else { throw E2EFailure("the daemon exited: \(stderr)") }
            guard let contents = try? Data(contentsOf: data.appendingPathComponent("daemon.json")),
                let object = try? JSONSerialization.jsonObject(with: contents) as? [String: Any],
                let url = object["url"] as? String, (object["pid"] as? Int) == Int(process.pid)
            else { return false }
            self.url = url
            return true
        }
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    var pid: pid_t { process?.pid ?? 0 }

    func kill9() { process?.stop(SIGKILL) }

    func stop() { process?.stop(SIGTERM) }

    /// GET a JSON object from the API.
    func get(_ path: String) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url + path)!)
        request.timeoutInterval = 5
        let token = try String(contentsOf: data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (body, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    /// Any request with a JSON body, as the local admin or with `token`; the status and the JSON answer.
    func request(_ method: String, _ path: String, _ body: [String: Any]? = nil, token: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        let credential = try token ?? String(contentsOf: data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        request.setValue("Bearer \(credential)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (answer, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: answer) as? [String: Any]) ?? [:])
    }

    /// Triggers a run with the daemon's local credential; returns the run id.
    func trigger(_ pipeline: String, params: [String: Any] = [:]) async throws -> Int {
        let token = try String(contentsOf: data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        var request = URLRequest(url: URL(string: "\(url)/api/v1/pipelines/\(pipeline)/runs")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 5
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["params": params])
        let (body, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201,
            let object = try JSONSerialization.jsonObject(with: body) as? [String: Any], let id = object["id"] as? Int
        else { throw E2EFailure("no run was created: \(String(decoding: body, as: UTF8.self))") }
        return id
    }

    func run(_ id: Int) async throws -> [String: Any] { try await get("/api/v1/runs/\(id)") }

    func runState(_ id: Int) async throws -> String? {
        (try await run(id)["run"] as? [String: Any])?["state"] as? String
    }

    func attempts(_ id: Int) async throws -> [[String: Any]] {
        (try await run(id)["attempts"] as? [[String: Any]]) ?? []
    }

    /// Runs the CLI against this daemon's files; returns exit status, stdout and stderr.
    func cli(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try await Self.runCLI(arguments)
    }

    /// Runs the CLI with its output in files and waits for it on a thread of its own (never on the
    /// cooperative pool, and without Foundation's `Process`, whose exit bookkeeping can stall there).
    static func runCLI(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        let directory = try TemporaryDirectory("autooptimize-cli")
        defer { directory.remove() }
        let out = directory.appending("out").path
        let err = directory.appending("err").path
        let process = try SpawnedProcess(try executable, arguments, stdoutPath: out, stderrPath: err)
        let status = await process.exitStatus()
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    deinit {
        stop()
        root.remove()
    }
}

/// A step of an end-to-end test that could not happen, with what was seen.
struct E2EFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A file's permission bits (`stat` itself is out of reach here: with librdkafka's headers in the build, Swift
/// attributes `struct stat` to another Clang module, which member-import visibility then refuses).
func permissions(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
}
