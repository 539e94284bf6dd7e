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
            LogsCommand.self, CronCommand.self, BenchCommand.self, BrokerCommand.self,
        ]
    )
}

/// Options that locate the daemon: its data directory on this machine, or its address and a token.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's data directory (store, logs, credential).")
    var data: String = "data"

    @Option(name: .long, help: "The daemon's address, e.g. http://127.0.0.1:8080 (or AUTOOPTIMIZE_URL); default: from --data.")
    var url: String?

    @Option(name: .long, help: "An API token (or AUTOOPTIMIZE_TOKEN); default: the local credential in --data.")
    var token: String?

    @Option(name: .long, help: "A CA certificate (PEM) to trust for an https:// --url (or AUTOOPTIMIZE_CACERT).")
    var cacert: String?

    var storePath: String { "\(data)/autooptimize.sqlite" }
}
