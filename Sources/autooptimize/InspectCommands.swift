import ArgumentParser
import Foundation
import NIOCore
import Scheduler

/// `autooptimize runs`: the run history, newest first, read from the store.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List runs, newest first.")

    @OptionGroup var options: DataOptions
    @Option(help: "Only runs of this pipeline.") var pipeline: String?
    @Option(help: "Only runs in this state (queued, running, succeeded, failed, cancelled).") var state: String?
    @Option(help: "How many.") var limit: Int = 20

    func run() throws {
        var filter = Store.RunFilter(pipeline: pipeline.map { PipelineID($0) }, limit: limit)
        if let state {
            guard let parsed = RunState(rawValue: state) else {
                throw ValidationError("state must be one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = parsed
        }
        let runs = try openStore(options).runs(filter)
        print(pad(["RUN", "PIPELINE", "TRIGGER", "LOGICAL DATE", "STATE", "NOTE"]))
        for run in runs {
            print(pad([
                run.id.description, run.pipeline.rawValue, run.trigger.rawValue, run.logicalDate.formatted(.iso8601),
                run.state.rawValue, run.note ?? "",
            ]))
        }
    }
}

/// `autooptimize show RUN`: one run with its tasks and attempts.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run: its tasks and attempts.")

    @OptionGroup var options: DataOptions
    @Argument(help: "The run number.") var number: Int64

    func run() throws {
        guard let detail = try openStore(options).run(RunID(number)) else {
            throw ValidationError("no run \(number) in \(options.storePath)")
        }
        let run = detail.run
        print("run \(run.id) of \(run.pipeline): \(run.state.rawValue)")
        print("  trigger \(run.trigger.rawValue), logical date \(run.logicalDate.formatted(.iso8601))")
        if !run.params.isEmpty {
            print("  params " + run.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let note = run.note { print("  note: \(note)") }
        print(pad(["TASK", "STATE", "TRIES", "REASON"]))
        for taskRun in detail.taskRuns {
            print(pad([taskRun.key.task.rawValue, taskRun.state.rawValue, "\(taskRun.tries)", taskRun.reason ?? ""]))
        }
        print(pad(["ATTEMPT", "STATE", "STARTED", "SECONDS", "EXIT", "REASON"]))
        for attempt in detail.attempts {
            let seconds = attempt.finishedAt.map { String(format: "%.3f", $0.timeIntervalSince(attempt.startedAt)) } ?? "-"
            print(pad([
                "\(attempt.key.taskRun.task).\(attempt.key.number)", attempt.state.rawValue, attempt.startedAt.formatted(.iso8601),
                seconds, attempt.exitCode.map(String.init) ?? "-", attempt.reason ?? "",
            ]))
        }
    }
}

/// `autooptimize logs RUN TASK`: an attempt's log (the latest unless `--attempt`).
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the log of a task's attempt.")

    @OptionGroup var options: DataOptions
    @Argument(help: "The run number.") var number: Int64
    @Argument(help: "The task id.") var task: String
    @Option(help: "The attempt number (default the latest).") var attempt: Int?
    @Flag(help: "Keep printing what a running attempt writes until it ends (through the running daemon).") var follow = false

    func run() async throws {
        if follow {
            let query = attempt.map { "&attempt=\($0)" } ?? ""
            try await DaemonConnection(options).stream("/api/v1/runs/\(number)/tasks/\(task)/log?follow=true\(query)") { bytes in
                FileHandle.standardOutput.write(Data(bytes.readableBytesView))
            }
            return
        }
        let run = number
        guard let detail = try openStore(options).run(RunID(run)) else {
            throw ValidationError("no run \(run) in \(options.storePath)")
        }
        let attempts = detail.attempts.filter { $0.key.taskRun.task.rawValue == task }
        guard !attempts.isEmpty else {
            let known = detail.taskRuns.map(\.key.task.rawValue).joined(separator: ", ")
            throw ValidationError("task \"\(task)\" of run \(run) has no attempts (tasks: \(known))")
        }
        let chosen = attempt.flatMap { number in attempts.first { $0.key.number == number } } ?? attempts.last!
        if let attempt, chosen.key.number != attempt {
            throw ValidationError("task \"\(task)\" of run \(run) has attempts 1 to \(attempts.count)")
        }
        // No file means the attempt printed nothing: logs are created on the first write.
        if let handle = FileHandle(forReadingAtPath: chosen.logPath) {
            FileHandle.standardOutput.write(handle.readDataToEndOfFile())
        }
    }
}

func openStore(_ options: DataOptions) throws -> Store {
    do {
        return try Store.openReadOnly(at: options.storePath)
    } catch {
        throw ValidationError(error.description)
    }
}

/// Columns padded to a readable width.
func pad(_ columns: [String]) -> String {
    let widths = [8, 20, 10, 26, 12, 12]
    return columns.enumerated().map { index, text in
        index == columns.count - 1 ? text : text.padding(toLength: max(widths[min(index, widths.count - 1)], text.count + 1), withPad: " ", startingAt: 0)
    }.joined()
}
