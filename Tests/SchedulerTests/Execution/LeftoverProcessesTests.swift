import Foundation
@testable import Scheduler
import SchedulerTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct LeftoverProcessesTests {
    @Test func onlyTheProcessesOfThisDaemonsAttemptAreKilled() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = AttemptKey(taskRun: TaskRunKey(run: RunID(1), task: TaskID("work")), number: 1)
        let pidFile = directory.appending("pid").path
        let request = AttemptRequest(
            key: key, pipeline: PipelineID("p"), job: try ShellJob(settings: .init(command: "echo $$ > \(pidFile); exec sleep 300")),
            logicalDate: .now, params: [:], logPath: directory.appending("log").path, stop: AttemptStopSignal())
        async let outcome = InProcessRunner(dataDirectory: directory.url).run(request).outcome
        try await eventually("the attempt's process to start") {
            (try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") ?? false
        }
        // Another daemon (another data directory) with the same run, task and attempt numbers kills nothing.
        #expect(LeftoverProcesses.kill(attempt: key, dataDirectory: directory.appending("other")) == 0)
        #expect(LeftoverProcesses.kill(attempt: key, dataDirectory: directory.url) == 1)
        #expect(await outcome == .failed(reason: "command was killed by signal 9", exitCode: 137))
    }
}
