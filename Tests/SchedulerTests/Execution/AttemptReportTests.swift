import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// What a job reports travels back with its outcome; secrets come from the daemon's source, by name.
@Suite struct AttemptReportTests {
    private struct CopyJob: JobKind {
        struct Settings: Decodable, Sendable {}
        static let kindName = "copy"
        init(settings: Settings) {}
        func run(in context: JobContext) async throws {
            context.reporter.read(AttemptReport.Dataset(name: "lake/raw/sales", rows: 10, bytes: 640))
            context.reporter.wrote(AttemptReport.Dataset(name: "lake/curated/sales", rows: 9, checksum: "abc"))
            context.reporter.figure("rejected_rows", 1)
            _ = try context.secrets.value(named: "warehouse")
        }
    }

    private struct OneSecret: SecretSource {
        func value(named name: String) throws -> String {
            guard name == "warehouse" else { throw JobFailure("no secret named \"\(name)\"") }
            return "s3cret"
        }
    }

    private func run(secrets: any SecretSource) async throws -> AttemptResult {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = AttemptKey(taskRun: TaskRunKey(run: RunID(1), task: TaskID("copy")), number: 1)
        let request = AttemptRequest(
            key: key, pipeline: PipelineID("p"), job: CopyJob(settings: .init()), logicalDate: .now, params: [:],
            logPath: directory.appending("copy.1.log").path, stop: AttemptStopSignal())
        return await InProcessRunner(dataDirectory: directory.url, secrets: secrets).run(request)
    }

    @Test func theRunnerReturnsWhatTheJobReportedWithItsOutcome() async throws {
        let result = try await run(secrets: OneSecret())
        #expect(result.outcome == .succeeded)
        #expect(result.report.inputs == [AttemptReport.Dataset(name: "lake/raw/sales", rows: 10, bytes: 640)])
        #expect(result.report.outputs.map(\.name) == ["lake/curated/sales"] && result.report.figures == ["rejected_rows": 1])
    }

    @Test func aDaemonWithoutSecretsSaysWhichWasAskedFor() async throws {
        let result = try await run(secrets: NoSecrets())
        #expect(result.outcome == .failed(reason: "no secret named \"warehouse\": this daemon has no secrets configured", exitCode: nil))
        #expect(result.report.outputs.count == 1, "what was reported before the failure is kept")
    }
}
