import ArgumentParser
import Foundation
import Scheduler

/// `autooptimize bench …`: speed measured in a release build, never asserted by tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a benchmark and print one JSON object.", subcommands: [EngineBenchCommand.self, APIBenchCommand.self, StreamBenchCommand.self, LaneBenchCommand.self, BatchBenchCommand.self])
}

/// `autooptimize bench engine`.
struct EngineBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure the engine: no-op and shell throughput, hand-off latency, a 40-task shell chain, idle memory.")

    @Option(help: "Chains × length of the no-op DAG.") var chains: Int = 100
    @Option(help: "Length of each no-op chain.") var chainLength: Int = 100
    @Option(help: "Shell tasks running `true`.") var shellTasks: Int = 2000
    @Option(help: "Shell tasks at a time.") var shellParallel: Int = 16
    @Option(help: "SQLite durability: full (the daemon's default) or normal.") var durability: String = "full"

    func run() async throws {
        let bench = EngineBenchmark(durability: durability == "full" ? .full : .normal)
        var report: [String: Any] = [:]
        let noop = try await bench.noopDAG(chains: chains, length: chainLength)
        report["noop_tasks"] = chains * chainLength
        report["noop_tasks_per_second"] = Int(Double(chains * chainLength) / noop)
        let shell = try await bench.shellParallel(count: shellTasks, parallel: shellParallel)
        report["shell_tasks"] = shellTasks
        report["shell_tasks_per_second"] = Int(Double(shellTasks) / shell)
        let handoffs = try await bench.handoffs(length: 500)
        report["handoff_p50_ms"] = EngineBenchmark.round3(EngineBenchmark.percentile(handoffs, 0.50) * 1000)
        report["handoff_p99_ms"] = EngineBenchmark.round3(EngineBenchmark.percentile(handoffs, 0.99) * 1000)
        report["chain40_seconds"] = EngineBenchmark.round3(try await bench.shellChain(length: 40))
        report["idle_rss_mb"] = try await IdleMemory.measure()
        report["durability"] = durability
        report["cores"] = ProcessInfo.processInfo.activeProcessorCount
        try BenchSupport.printReport(report)
    }
}
