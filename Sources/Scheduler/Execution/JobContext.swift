public import Foundation
public import Logging

/// What a running job is given: who it is, the run's params, and its log.
public struct JobContext: Sendable {
    public let pipeline: PipelineID
    public let attempt: AttemptKey
    /// The instant the run stands for: a cron instant, a backfill date, or the trigger time.
    public let logicalDate: Date
    public let params: [String: ParamValue]
    /// Writes into the attempt's own log file (and nowhere else).
    public let logger: Logger
    /// The attempt's log, for jobs that stream a process's output into it.
    public let log: AttemptLog
    /// Where an in-process job may keep files of its own (the daemon's data directory). Never handed to a process.
    public let dataDirectory: URL
    /// What a job that starts processes gives them: environment, user, working directory.
    public let isolation: TaskIsolation
    /// Where the job records what it read, wrote and counted (returned with the attempt's outcome).
    public let reporter: AttemptReporter
    /// Secrets by name.
    public let secrets: any SecretSource

    public init(
        pipeline: PipelineID, attempt: AttemptKey, logicalDate: Date, params: [String: ParamValue],
        logger: Logger, log: AttemptLog, dataDirectory: URL, isolation: TaskIsolation? = nil,
        reporter: AttemptReporter = AttemptReporter(), secrets: any SecretSource = NoSecrets()
    ) {
        self.pipeline = pipeline
        self.attempt = attempt
        self.logicalDate = logicalDate
        self.params = params
        self.logger = logger
        self.log = log
        self.dataDirectory = dataDirectory
        self.isolation = isolation ?? TaskIsolation(dataDirectory: dataDirectory)
        self.reporter = reporter
        self.secrets = secrets
    }

    public var task: TaskID { attempt.taskRun.task }
    public var run: RunID { attempt.taskRun.run }
}
