import Foundation

/// Starts this executable's `serve` on empty temporary directories and reads its resident memory once idle.
enum IdleMemory {
    static func measure() async throws -> Double {
        let root = try BenchSupport.scratchDirectory("idle")
        let jobs = root.appendingPathComponent("jobs.d")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let process = try await BenchDaemon.start(jobs: jobs, data: data, extra: ["--log-level", "warning"])
        defer { BenchDaemon.stop(process) }
        // An idle daemon: give it a moment to settle after it announced itself.
        try await Task.sleep(for: .seconds(2))
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { throw BenchError("cannot read the daemon's resident memory") }
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}

/// This executable's `serve`, started for a benchmark on the given directories.
enum BenchDaemon {
    /// Starts the daemon on a free port and waits (with a deadline) until it announces where it listens.
    static func start(jobs: URL, data: URL, extra: [String]) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--jobs", jobs.path, "--data", data.path, "--port", "0"] + extra
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: data.appendingPathComponent("daemon.json").path) {
            guard ContinuousClock.now < deadline, process.isRunning else { throw BenchError("the daemon did not start") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process
    }

    static func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }
}
