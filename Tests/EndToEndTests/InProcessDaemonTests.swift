import Foundation
@testable import autooptimize
import Scheduler
import SchedulerTesting
import ServiceLifecycle
import Testing

/// The daemon as `serve` builds it (`buildDaemon`), run inside the test: the same wiring, with the store and engine
/// at hand to look at directly.
@Suite(.timeLimit(.minutes(1))) struct InProcessDaemonTests {
    @Test func theDaemonServeRunsIsTheOneBuildDaemonWires() async throws {
        let root = try TemporaryDirectory("autooptimize-inprocess")
        defer { root.remove() }
        let jobs = root.appending("jobs.d")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        try "id: p\ntasks: [{id: a, kind: shell, with: {command: 'echo from $AUTOOPTIMIZE_TASK'}}]\n"
            .write(to: jobs.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        var settings = DaemonSettings()
        settings.jobsDirectory = jobs.path
        settings.dataDirectory = root.appending("data").path
        settings.port = 0
        let daemon = try await buildDaemon(settings: settings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await daemon.run() }
            let run = try await daemon.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
            try await eventually(within: 20, "the run to succeed") { try daemon.store.run(run.id)?.run.state == .succeeded }
            let log = try daemon.store.run(run.id)?.attempts.first.map { try String(contentsOfFile: $0.logPath, encoding: .utf8) }
            #expect(log == "from a\n")
            // The wiring's own promises: a private data directory, and the CLI's files while it runs.
            #expect(try permissions(daemon.data.path) == 0o700)
            #expect(FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("local-admin.token").path))
            await daemon.group.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("local-admin.token").path))
    }
}
