import Foundation
import Logging
import Scheduler
import SchedulerTesting
import Testing

@Suite struct StoreTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    private func run(_ id: Int64, key: String? = nil, state: RunState = .running, finishedAt: Date? = nil) -> Run {
        Run(id: RunID(id), pipeline: PipelineID("p"), trigger: .manual, logicalDate: now, state: state, idempotencyKey: key,
            createdAt: now, finishedAt: finishedAt)
    }

    @Test func transitionsAreReadBackAsWritten() throws {
        let store = try Store.inMemory()
        let key = TaskRunKey(run: RunID(1), task: TaskID("a"))
        var taskRun = TaskRun(key: key, state: .pending)
        try store.applyNow([.createRun(run(1), taskRuns: [taskRun])])
        taskRun.state = .running
        taskRun.tries = 1
        taskRun.attempts = 1
        let attempt = Attempt(key: AttemptKey(taskRun: key, number: 1), state: .running, startedAt: now, logPath: "/tmp/a.log")
        try store.applyNow([.updateTaskRun(taskRun), .startAttempt(attempt)])
        var finished = attempt
        finished.state = .failed
        finished.exitCode = 2
        finished.reason = "command exited with status 2"
        finished.finishedAt = now.addingTimeInterval(1)
        try store.applyNow([.finishAttempt(finished)])
        let detail = try #require(try store.run(RunID(1)))
        #expect(detail.taskRuns == [taskRun])
        #expect(detail.attempts == [finished])
        #expect(try store.activeRuns().map(\.run.id) == [RunID(1)])
        #expect(try store.maxRunID() == 1)
    }

    @Test func aBatchIsAllOrNothing() throws {
        let store = try Store.inMemory()
        try store.applyNow([.createRun(run(1, key: "k"), taskRuns: [])])
        // The second run reuses the idempotency key: the unique index refuses it, and the whole batch with it.
        #expect(throws: StoreError.self) {
            try store.applyNow([.createRun(run(2), taskRuns: []), .createRun(run(3, key: "k"), taskRuns: [])])
        }
        #expect(try store.runs().map(\.id) == [RunID(1)])
    }

    @Test func pagesOfRunsComeNewestFirstByKeyset() throws {
        let store = try Store.inMemory()
        try store.applyNow((1...7).map { .createRun(run($0, state: .succeeded), taskRuns: []) })
        let first = try store.runs(.init(limit: 3))
        let second = try store.runs(.init(before: first.last!.id, limit: 3))
        #expect(first.map(\.id.rawValue) == [7, 6, 5])
        #expect(second.map(\.id.rawValue) == [4, 3, 2])
    }

    @Test func retentionDeletesOldRunsAndTheirLogsOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Store.open(at: directory.appending("s.sqlite").path)
        let oldLog = directory.appending("logs/p/1/a.1.log")
        try FileManager.default.createDirectory(at: oldLog.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "old".write(to: oldLog, atomically: true, encoding: .utf8)
        let key = TaskRunKey(run: RunID(1), task: TaskID("a"))
        try store.applyNow([
            .createRun(run(1, state: .succeeded, finishedAt: now.addingTimeInterval(-100 * 86400)), taskRuns: [TaskRun(key: key, state: .succeeded)]),
            .startAttempt(Attempt(key: AttemptKey(taskRun: key, number: 1), state: .succeeded, startedAt: now, logPath: oldLog.path)),
            .createRun(run(2, state: .succeeded, finishedAt: now.addingTimeInterval(-10 * 86400)), taskRuns: []),
            .createRun(run(3), taskRuns: []),
            .appendAlert(AlertDraft(event: .runFailed, channel: "chat", pipeline: PipelineID("p"), run: RunID(1), createdAt: now)),
            .appendAlert(AlertDraft(event: .runFailed, channel: "chat", pipeline: PipelineID("p"), run: RunID(3), createdAt: now)),
        ])
        try store.recordAlertAttempt(1, at: now, outcome: .sent, detail: nil, retryAt: nil)
        let retention = RunRetention(
            store: store, retention: .seconds(90 * 86400), batchSize: 1, clock: ManualClock(now: now), logger: .init(label: "test"))
        let user = try store.createUser(User(name: "ana", role: .viewer, passwordHash: "x", createdAt: now))
        try store.saveSession(Session(digest: "old", userID: user.id, csrfToken: "c", createdAt: now.addingTimeInterval(-13 * 3600), lastSeenAt: now))
        try store.saveSession(Session(digest: "new", userID: user.id, csrfToken: "c", createdAt: now, lastSeenAt: now))
        #expect(await retention.sweep() == 1)
        #expect(try store.session(digest: "old") == nil && store.session(digest: "new") != nil)
        #expect(try store.runs().map(\.id.rawValue) == [3, 2])
        #expect(!FileManager.default.fileExists(atPath: oldLog.path))
        #expect(try store.alerts().map(\.alert.run) == [RunID(3)], "the outbox goes with its runs")
        #expect(try store.alertChannelHealth(since: .distantPast)["chat"]?.recent.isEmpty == true, "and the attempts with their alerts")
    }

    @Test func aStoreThatCannotBeOpenedSaysWhereAndWhatToCheck() throws {
        #expect {
            try Store.open(at: "/dev/null/autooptimize.sqlite")
        } throws: { error in
            "\(error)" == "could not open the store at /dev/null/autooptimize.sqlite: SQLite error 14: unable to open database file"
                + " (cannot open the file; check that --data exists and is writable)"
        }
    }
}
