import Foundation
import Scheduler
import SchedulerTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct ShellJobTests {
    private func run(_ settings: ShellJob.Settings, in directory: TemporaryDirectory, cap: Int = 1 << 20, stop: AttemptStopSignal = .init())
        async throws -> (AttemptOutcome, String)
    {
        let key = AttemptKey(taskRun: TaskRunKey(run: RunID(1), task: TaskID("t")), number: 1)
        let logPath = directory.appending("t.1.log").path
        let request = AttemptRequest(
            key: key, pipeline: PipelineID("p"), job: try ShellJob(settings: settings), logicalDate: Date(timeIntervalSince1970: 0),
            params: ["region": .string("north")], logPath: logPath, stop: stop)
        let outcome = await InProcessRunner(dataDirectory: directory.url, logCapBytes: cap).run(request).outcome
        return (outcome, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    @Test func outputAndEnvironmentReachTheLog() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, log) = try await run(
            .init(command: "echo out; echo err >&2; echo \"$GREETING $AUTOOPTIMIZE_PARAM_REGION $AUTOOPTIMIZE_ATTEMPT\"", env: ["GREETING": "hi"]),
            in: directory)
        #expect(outcome == .succeeded)
        #expect(log == "out\nerr\nhi north 1/t/1\n")
    }

    @Test func nonZeroExitFailsWithTheStatus() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, _) = try await run(.init(command: "exit 3"), in: directory)
        #expect(outcome == .failed(reason: "command exited with status 3", exitCode: 3))
    }

    @Test func missingCommandSaysSo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, log) = try await run(.init(command: "no-such-command-autooptimize"), in: directory)
        #expect(outcome == .failed(reason: "command exited with status 127 (command not found; see the log)", exitCode: 127))
        #expect(log.contains("not found"))
    }

    @Test func missingWorkingDirectorySaysSo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, _) = try await run(.init(command: "true", workdir: "/no/such/dir"), in: directory)
        #expect(outcome == .failed(reason: "working directory /no/such/dir does not exist", exitCode: nil))
    }

    @Test func logIsCappedAndSaysWhatWasDropped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (outcome, log) = try await run(.init(command: "head -c 5000 /dev/zero | tr '\\000' x"), in: directory, cap: 1000)
        #expect(outcome == .succeeded)
        #expect(log.hasPrefix(String(repeating: "x", count: 1000) + "\n[autooptimize: log capped at 1000 bytes; 4000 more bytes dropped]"))
    }

    @Test func stoppingKillsTheWholeProcessGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.appending("child.pid").path
        let stop = AttemptStopSignal()
        async let result = run(.init(command: "sleep 300 & echo $! > \(pidFile); wait", killGrace: "1s"), in: directory, stop: stop)
        try await eventually("the background child to start") { FileManager.default.fileExists(atPath: pidFile) && ((try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") ?? false) }
        let child = pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        #expect(kill(child, 0) == 0)
        stop.stop(.timeout(.seconds(30)))
        let (outcome, log) = try await result
        #expect(outcome == .timedOut(limit: .seconds(30)))
        #expect(log.hasSuffix("[autooptimize: timed out after 30s]\n"))
        // The background child of the shell was in the same process group, so it is gone too.
        try await eventually("the background child to be gone") { kill(child, 0) != 0 }
    }
}

@Suite struct AttemptLogTests {
    @Test func outputThatCannotBeKeptFailsTheAttemptSayingWhy() async throws {
        let key = AttemptKey(taskRun: TaskRunKey(run: RunID(1), task: TaskID("t")), number: 1)
        let request = AttemptRequest(
            key: key, pipeline: PipelineID("p"), job: try ShellJob(settings: .init(command: "echo hello")), logicalDate: .now,
            params: [:], logPath: "/dev/null/logs/t.1.log", stop: AttemptStopSignal())
        let outcome = await InProcessRunner(dataDirectory: URL(fileURLWithPath: "/tmp")).run(request).outcome
        #expect(outcome == .failed(reason: "cannot open log file /dev/null/logs/t.1.log: Not a directory", exitCode: nil))
    }
}
