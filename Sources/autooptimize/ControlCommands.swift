import ArgumentParser
import Foundation
import Scheduler

/// `autooptimize pause PIPELINE`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a pipeline: no new scheduled runs; its services stop.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String

    func run() async throws { try await setPaused(pipeline, true, options) }
}

/// `autooptimize unpause PIPELINE`.
struct UnpauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause", abstract: "Unpause a pipeline: missed runs are caught up as its catchup says; services restart.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String

    func run() async throws { try await setPaused(pipeline, false, options) }
}

private func setPaused(_ pipeline: String, _ paused: Bool, _ options: DataOptions) async throws {
    let word = paused ? "paused" : "unpaused"
    _ = try await DaemonConnection(options).post("/api/v1/pipelines/\(pipeline)/\(paused ? "pause" : "unpause")")
    print("\(pipeline): \(word)")
}

/// `autooptimize cancel RUN`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a run; its running attempts are stopped.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The run number.") var number: Int64

    func run() async throws {
        let (_, run) = try await DaemonConnection(options).post("/api/v1/runs/\(number)/cancel")
        print("run \(number): \(run["state"] ?? "?")")
    }
}

/// `autooptimize rerun RUN [--from TASK]`.
struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun", abstract: "Rerun a run's failed tasks, or a task and everything downstream of it, in the same run.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The run number.") var number: Int64
    @Option(help: "Rerun this task and its downstream (default: the failed tasks).") var from: String?

    func run() async throws {
        let (_, run) = try await DaemonConnection(options).post("/api/v1/runs/\(number)/rerun", from.map { ["task": $0] } ?? [:])
        print("run \(number): \(run["state"] ?? "?")")
    }
}

/// `autooptimize mark RUN TASK succeeded|failed`.
struct MarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark", abstract: "Set a task's state by hand (succeeded or failed); a running attempt is stopped.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The run number.") var number: Int64
    @Argument(help: "The task id.") var task: String
    @Argument(help: "succeeded or failed.") var state: String

    func run() async throws {
        _ = try await DaemonConnection(options).post("/api/v1/runs/\(number)/tasks/\(task)/mark", ["state": state])
        print("run \(number) task \(task): marked \(state)")
    }
}

/// `autooptimize backfill PIPELINE --from DATE --to DATE`.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill", abstract: "Create a run for every cron instant of a date range that has none.")
    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String
    @Option(help: "First instant, RFC 3339 or YYYY-MM-DD (UTC midnight).") var from: String
    @Option(help: "Last instant, RFC 3339 or YYYY-MM-DD (UTC midnight), included.") var to: String
    @Option(name: .customLong("param"), help: "A param as name=value; repeat for several.") var params: [String] = []

    func run() async throws {
        let body: [String: Any] = ["from": try Self.instant(from), "to": try Self.instant(to), "params": try parseParams(params)]
        let (_, result) = try await DaemonConnection(options).post("/api/v1/pipelines/\(pipeline)/backfill", body)
        let runs = (result["runs"] as? [[String: Any]]) ?? []
        print("\(runs.count) run\(runs.count == 1 ? "" : "s") created" + (runs.isEmpty ? " (every instant already has one)" : ""))
    }

    static func instant(_ text: String) throws -> String {
        let full = text.count == 10 ? text + "T00:00:00Z" : text
        guard (try? Date(full, strategy: .iso8601)) != nil else {
            throw ValidationError("\"\(text)\" is not a date (YYYY-MM-DD) or an RFC 3339 time")
        }
        return full
    }
}
