import ArgumentParser
import Foundation
import Scheduler

/// `autooptimize trigger PIPELINE`: asks the running daemon for a manual run.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Start a manual run of a pipeline through the running daemon.")

    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String
    @Option(name: .customLong("param"), help: "A param as name=value; repeat for several.") var params: [String] = []
    @Option(help: "The same key returns the same run instead of a new one.") var idempotencyKey: String?
    @Flag(help: "Wait for the run to end; exit 0 only when it succeeded.") var wait = false

    func run() async throws {
        let values = try parseParams(params)
        let connection = try DaemonConnection(options)
        let (status, run) = try await connection.post(
            "/api/v1/pipelines/\(pipeline)/runs", ["params": values],
            headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
        print("run \(run["id"] ?? "?") of \(pipeline): \(run["state"] ?? "?")\(status == 200 ? " (existing run for this idempotency key)" : "")")
        guard wait, let id = run["id"] as? Int else { return }
        var state = run["state"] as? String ?? "queued"
        while !["succeeded", "failed", "cancelled"].contains(state) {
            let (_, detail) = try await connection.get("/api/v1/runs/\(id)?wait=300", timeout: .seconds(330))
            state = ((detail["run"] as? [String: Any])?["state"] as? String) ?? state
        }
        print("run \(id) of \(pipeline): \(state)")
        if state != "succeeded" { throw ExitCode(1) }
    }
}
