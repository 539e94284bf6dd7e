import ArgumentParser

/// The `autooptimize` command: the daemon and the tools around it.
@main
struct AutoOptimize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autooptimize",
        abstract: "A job orchestrator for car-sales data: pipelines in jobs.d, run history in SQLite.",
        subcommands: [
            ServeCommand.self, ValidateCommand.self, TriggerCommand.self, BackfillCommand.self, CancelCommand.self,
            RerunCommand.self, MarkCommand.self, PauseCommand.self, UnpauseCommand.self, RunsCommand.self, ShowCommand.self,
            LogsCommand.self, CronCommand.self, BenchCommand.self,
        ]
    )
}

/// Options that locate the daemon's files, shared by the commands that read them.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's data directory (store, logs, credential).")
    var data: String = "data"

    var storePath: String { "\(data)/autooptimize.sqlite" }
}
