import Foundation

/// Starts this executable's `serve` on empty temporary directories and reads its resident memory once idle.
enum IdleMemory {
    static func measure() async throws -> Double {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("autooptimize-idle-\(UUID().uuidString)")
        let jobs = root.appendingPathComponent("jobs.d")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--jobs", jobs.path, "--data", data.path, "--port", "0", "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // Ready once it has announced itself; then give it a moment to settle, as an idle daemon would.
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: data.appendingPathComponent("daemon.json").path) {
            guard ContinuousClock.now < deadline, process.isRunning else { throw BenchError("the daemon did not start") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .seconds(2))
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { throw BenchError("cannot read the daemon's resident memory") }
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}
