public import Foundation
import Logging

/// Runs attempts: the executor seam of DESIGN.md. The in-process runner is the
/// first conformer; a remote one (attempts sent to workers over Kafka) comes later.
public protocol AttemptRunner: Sendable {
    /// Runs the attempt to its end; returns how it ended and what its job reported.
    func run(_ request: AttemptRequest) async -> AttemptResult
}

/// Everything needed to run one attempt, wherever it runs.
public struct AttemptRequest: Sendable {
    public let key: AttemptKey
    public let pipeline: PipelineID
    public let job: any JobKind
    public let logicalDate: Date
    public let params: [String: ParamValue]
    public let logPath: String
    public let stop: AttemptStopSignal

    public init(
        key: AttemptKey, pipeline: PipelineID, job: any JobKind, logicalDate: Date, params: [String: ParamValue],
        logPath: String, stop: AttemptStopSignal
    ) {
        self.key = key
        self.pipeline = pipeline
        self.job = job
        self.logicalDate = logicalDate
        self.params = params
        self.logPath = logPath
        self.stop = stop
    }
}

/// Runs job kinds as child tasks of the engine, shell jobs as child processes.
///
/// The job races the attempt's stop signal; whichever ends first ends the
/// attempt, and the job is cancelled (a shell job then stops its process group)
/// and awaited, so nothing outlives its attempt.
public struct InProcessRunner: AttemptRunner {
    public let dataDirectory: URL
    public let isolation: TaskIsolation
    public let secrets: any SecretSource
    public let logCapBytes: Int

    public init(
        dataDirectory: URL, isolation: TaskIsolation? = nil, secrets: any SecretSource = NoSecrets(), logCapBytes: Int = 10 << 20
    ) {
        self.dataDirectory = dataDirectory
        self.isolation = isolation ?? TaskIsolation(dataDirectory: dataDirectory)
        self.secrets = secrets
        self.logCapBytes = logCapBytes
    }

    public func run(_ request: AttemptRequest) async -> AttemptResult {
        let log = AttemptLog(path: request.logPath, capBytes: logCapBytes)
        defer { log.close() }
        var logger = Logger(label: "attempt") { _ in AttemptLogHandler(log: log) }
        logger[metadataKey: LogKey.attempt] = "\(request.key.number)"
        let reporter = AttemptReporter()
        let context = JobContext(
            pipeline: request.pipeline, attempt: request.key, logicalDate: request.logicalDate, params: request.params,
            logger: logger, log: log, dataDirectory: dataDirectory, isolation: isolation, reporter: reporter, secrets: secrets)
        let job = request.job
        let stop = request.stop
        let outcome = await withTaskGroup(of: AttemptOutcome?.self) { group in
            group.addTask {
                do {
                    try await job.run(in: context)
                    return .succeeded
                } catch let failure as JobFailure {
                    return .failed(reason: failure.message, exitCode: failure.exitCode)
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failed(reason: FailureText.describe(error), exitCode: nil)
                }
            }
            group.addTask { await stop.wait().map(\.outcome) }
            // The first to finish decides: the job's own result, or the reason it was stopped.
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? stop.reason?.outcome
        }
        // Cancelled from outside with no reason given: the engine's own task is being torn down.
        var final = outcome ?? (Task.isCancelled ? StopReason.shutdown.outcome : .cancelled(reason: "cancelled"))
        // Output that could not be kept is a loss the person on call must hear about (a full disk, a read-only --data).
        if final == .succeeded, let failure = log.failure { final = .failed(reason: failure, exitCode: nil) }
        if let reason = final.reason { log.write("[autooptimize: \(reason)]\n") }
        return AttemptResult(outcome: final, report: reporter.report)
    }
}
