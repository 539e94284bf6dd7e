public import Foundation
import Logging
public import Scheduler

/// An engine over a real in-memory store, driven by a manual clock, for tests.
///
/// ```swift
/// try await EngineHarness.with(yaml: pipelineYAML) { harness in
///     let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run
///     try await harness.waitFor(run.id, .succeeded)
/// }
/// ```
public struct EngineHarness: Sendable {
    public let engine: Engine
    public let store: Store
    public let clock: ManualClock
    public let directory: TemporaryDirectory

    /// The registry tests load pipelines with: the built-in kinds plus `scripted`.
    public static var registry: JobKindRegistry {
        var registry = JobKindRegistry.builtIn
        registry.register(ScriptedJob.self)
        return registry
    }

    /// Loads `yaml` (one pipeline per element), starts an engine, runs `body`, then stops the engine.
    public static func with<T: Sendable>(
        yaml: [String], store: Store? = nil, clock: ManualClock = ManualClock(now: Date(timeIntervalSince1970: 1_750_000_000)),
        maxRunningTasks: Int = 8, alertChannels: Set<String> = [], alertDefault: AlertRoute? = nil, alertThrottle: Duration = .seconds(900),
        _ body: @Sendable (EngineHarness) async throws -> T
    ) async throws -> T {
        let loader = PipelineLoader(registry: registry, alertChannels: alertChannels)
        var result = PipelineLoader.DirectoryResult()
        for (index, text) in yaml.enumerated() {
            result.pipelines.append(try loader.load(text: text, path: "jobs.d/p\(index).yaml").get())
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store ?? Store.inMemory()
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        let engine = Engine(
            store: store, runner: InProcessRunner(dataDirectory: directory.url), initial: result,
            configuration: .init(
                maxRunningTasks: maxRunningTasks, dataDirectory: directory.url, jitter: { 1.0 }, alertDefault: alertDefault,
                alertThrottle: alertThrottle),
            clock: clock, logger: logger)
        let harness = EngineHarness(engine: engine, store: store, clock: clock, directory: directory)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await engine.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(harness)
        }
    }

    /// Waits until the run reaches `state`. The deadlines are 30 s: they catch a hang, and the full suite on a
    /// 2-core machine (daemons, bcrypt, browsers) can leave an engine test without a core for seconds.
    public func waitFor(_ run: RunID, _ state: RunState, within seconds: Double = 30) async throws {
        try await eventually(within: seconds, "run \(run) to be \(state.rawValue)") {
            try store.run(run)?.run.state == state
        }
    }

    /// Waits until a task run reaches `state`, and returns it.
    @discardableResult
    public func waitFor(_ run: RunID, task: String, _ state: TaskRunState, within seconds: Double = 30) async throws -> TaskRun {
        var found: TaskRun?
        try await eventually(within: seconds, "task \(task) of run \(run) to be \(state.rawValue)") {
            found = try store.run(run)?.taskRuns.first { $0.key.task.rawValue == task && $0.state == state }
            return found != nil
        }
        return found!
    }

    /// Waits until the engine sleeps on a timer due at `deadline`, so that advancing the clock fires it.
    public func waitForTimer(at deadline: Date) async throws {
        try await eventually("a timer armed for \(deadline)") { clock.nextDeadline.map { $0 <= deadline } ?? false }
    }

    public func detail(_ run: RunID) throws -> Store.RunDetail {
        guard let detail = try store.run(run) else { throw TimedOut(what: "run \(run) in the store", seconds: 0) }
        return detail
    }

    /// Registers a script under a fresh name and returns the name for `with: {script: …}`.
    public static func script(_ script: ScriptedJob.Script) -> String {
        let name = UUID().uuidString
        ScriptedJob.register(script, as: name)
        return name
    }
}
