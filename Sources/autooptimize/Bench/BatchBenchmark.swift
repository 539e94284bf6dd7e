import ArgumentParser
import Foundation
import Jobs
import Scheduler

/// `autooptimize bench batch`: the africa-trends pipeline on generated sales (extract to the loaded SQLite
/// warehouse, through a daemon), then validation and the three contract tables alone from the same files, and
/// DuckDB doing that work when `python3 -c 'import duckdb'` works (`pip install duckdb`). Prints one JSON object.
struct BatchBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Measure the batch workflow: the whole pipeline, and validation plus the contract tables against DuckDB.")

    @Option(help: "Sales rows to generate.") var rows: Int = 5_000_000
    @Option(help: "Files to spread them over.") var files: Int = 10
    @Option(help: "Where to generate them (kept between runs when given; default a temporary directory, removed).") var input: String?
    @Flag(help: "Skip the pipeline: validation and the contract tables alone, ours and DuckDB's.") var analysisOnly = false

    func run() async throws {
        MemoryTrim.mapLargeBuffers()  // as the daemon does
        let root = try BenchSupport.scratchDirectory("batch-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let inputDirectory = input.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("input")
        var report: [String: Any] = ["rows": rows, "files": files, "cores": ProcessInfo.processInfo.activeProcessorCount]
        let sales = inputDirectory.appendingPathComponent("sales")
        let fx = inputDirectory.appendingPathComponent("fx_rates.csv")
        if !FileManager.default.fileExists(atPath: fx.path) {
            let start = ContinuousClock.now
            try HistoricalSalesGenerator(rows: rows, files: files, seed: 42).write(to: inputDirectory)
            report["generate_seconds"] = Self.seconds(since: start)
        }
        report["input_mb"] = Self.megabytes(of: sales)

        if !analysisOnly { try await measurePipeline(root: root, sales: sales, fx: fx, into: &report) }
        // Validation and the three tables alone, ours then DuckDB's, from the same files.
        let oursStart = ContinuousClock.now
        let ours = try AfricaAnalysis.run(sales: sales.path, fxRates: fx)
        report["ours_seconds"] = Self.seconds(since: oursStart)
        report["accepted"] = ours.accepted
        if let duckdb = try Self.duckdb(sales: sales, fx: fx, into: root.appendingPathComponent("duckdb")) {
            report["duckdb_seconds"] = duckdb.seconds
            report["ratio_to_duckdb"] = ((report["ours_seconds"] as? Double ?? 0) / duckdb.seconds * 100).rounded() / 100
            report["same_tables_as_duckdb"] = duckdb.tables == ours.tables.merging(["rejects.csv": ours.rejectsCSV]) { a, _ in a }
        } else {
            report["duckdb_seconds"] = NSNull()
            report["ratio_to_duckdb"] = NSNull()
            report["duckdb"] = "not measured: python3 cannot import duckdb (pip install duckdb)"
        }
        try BenchSupport.printReport(report)
    }

    /// The whole pipeline through a daemon: extract, clean (with the vault), trends, load.
    private func measurePipeline(root: URL, sales: URL, fx: URL, into report: inout [String: Any]) async throws {
        let jobs = root.appendingPathComponent("jobs.d")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        try """
            id: africa-trends
            params:
              sales: {type: string}
              fx_rates: {type: string}
            tasks:
              - {id: extract, kind: sales-extract}
              - {id: clean, kind: sales-clean, needs: [extract]}
              - {id: trends, kind: africa-trends, needs: [clean]}
              - {id: load, kind: warehouse-load, needs: [trends]}
            """.write(to: jobs.appendingPathComponent("africa-trends.yaml"), atomically: true, encoding: .utf8)
        let daemon = try await BenchDaemon.start(jobs: jobs, data: data, extra: ["--log-level", "warning"])
        defer { BenchDaemon.stop(daemon) }
        let pipelineStart = ContinuousClock.now
        let trigger = Process()
        trigger.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        trigger.arguments = ["trigger", "africa-trends", "--data", data.path, "--param", "sales=\(sales.path)", "--param", "fx_rates=\(fx.path)", "--wait"]
        trigger.standardOutput = FileHandle.nullDevice
        try trigger.run()
        trigger.waitUntilExit()
        guard trigger.terminationStatus == 0 else { throw BenchError("the pipeline did not succeed (autooptimize trigger exited \(trigger.terminationStatus))") }
        report["pipeline_seconds"] = Self.seconds(since: pipelineStart)
        report["peak_rss_mb"] = peakResidentMegabytes(of: "\(daemon.processIdentifier)")
    }

    /// Runs `scripts/bench/duckdb_africa.py` (beside this executable's checkout) when DuckDB is importable.
    private static func duckdb(sales: URL, fx: URL, into output: URL) throws -> (seconds: Double, tables: [String: String])? {
        let check = Process()
        // The python3 on PATH (where `pip install duckdb` put it), not necessarily the system's.
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import duckdb"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else { return nil }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../scripts/bench/duckdb_africa.py").standardized
        guard FileManager.default.fileExists(atPath: script.path) else { throw BenchError("\(script.path) is missing") }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, sales.path, fx.path, output.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let seconds = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError("the DuckDB script failed (exit \(process.terminationStatus)): \(text)")
        }
        var tables: [String: String] = [:]
        for name in ["africa_monthly_sales.csv", "africa_country_trends.csv", "africa_region_trends.csv", "rejects.csv"] {
            tables[name] = try String(contentsOf: output.appendingPathComponent(name), encoding: .utf8)
        }
        return (seconds, tables)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return ((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 100).rounded() / 100
    }

    static func megabytes(of directory: URL) -> Double {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let bytes = names.reduce(0) { sum, name in
            sum + ((try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
        return (Double(bytes) / 1_048_576 * 10).rounded() / 10
    }
}
