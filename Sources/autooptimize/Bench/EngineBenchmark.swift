import Foundation
import Logging
import Scheduler
import Synchronization

/// Builds pipelines in code and times real engines over real SQLite stores in a temporary directory.
struct EngineBenchmark {
    let durability: Store.Durability

    /// Seconds for one run of `chains` independent chains of `length` no-op tasks.
    func noopDAG(chains: Int, length: Int) async throws -> Double {
        var tasks: [TaskSpec] = []
        for chain in 0..<chains {
            for step in 0..<length {
                let needs = step == 0 ? [] : [TaskID("c\(chain)s\(step - 1)")]
                tasks.append(TaskSpec(id: TaskID("c\(chain)s\(step)"), kind: "noop", job: NoopJob(settings: .init()), needs: needs))
            }
        }
        return try await time(pipeline(tasks, maxActiveTasks: 64), maxRunning: 64)
    }

    /// Seconds for `count` independent shell tasks running `true`, `parallel` at a time.
    func shellParallel(count: Int, parallel: Int) async throws -> Double {
        let tasks = try (0..<count).map { TaskSpec(id: TaskID("t\($0)"), kind: "shell", job: try Self.shellTrue()) }
        return try await time(pipeline(tasks, maxActiveTasks: parallel), maxRunning: parallel)
    }

    /// Seconds for a chain of `length` shell tasks running `true`.
    func shellChain(length: Int) async throws -> Double {
        let tasks = try (0..<length).map {
            TaskSpec(id: TaskID("s\($0)"), kind: "shell", job: try Self.shellTrue(), needs: $0 == 0 ? [] : [TaskID("s\($0 - 1)")])
        }
        return try await time(pipeline(tasks, maxActiveTasks: 1), maxRunning: 1)
    }

    /// Seconds from each task of a chain ending to the next one starting, as the jobs themselves see it.
    func handoffs(length: Int) async throws -> [Double] {
        let stamps = Stamps()
        let tasks = (0..<length).map {
            TaskSpec(id: TaskID("h\($0)"), kind: "stamp", job: StampJob(index: $0, stamps: stamps), needs: $0 == 0 ? [] : [TaskID("h\($0 - 1)")])
        }
        _ = try await time(pipeline(tasks, maxActiveTasks: 1), maxRunning: 4)
        return stamps.handoffs()
    }

    private static func shellTrue() throws -> ShellJob {
        try ShellJob(settings: .init(command: "true"))
    }

    private func pipeline(_ tasks: [TaskSpec], maxActiveTasks: Int) throws -> Pipeline {
        Pipeline(id: PipelineID("bench"), maxActiveRuns: 1, maxActiveTasks: maxActiveTasks, graph: try TaskGraph(tasks: tasks),
                 source: .init(path: "bench.yaml", digest: UUID().uuidString, text: ""))
    }

    /// Runs the pipeline once on a fresh engine and store; returns the seconds from trigger to the run's end.
    private func time(_ pipeline: Pipeline, maxRunning: Int) async throws -> Double {
        let directory = try BenchSupport.scratchDirectory("bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.open(at: directory.appendingPathComponent("bench.sqlite").path, durability: durability)
        var result = PipelineLoader.DirectoryResult()
        result.pipelines = [pipeline]
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let engine = Engine(
            store: store, runner: InProcessRunner(dataDirectory: directory), initial: result,
            configuration: .init(maxRunningTasks: maxRunning, dataDirectory: directory), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            let notifications = engine.notifications(buffer: 100)
            let start = ContinuousClock.now
            let run = try await engine.trigger(TriggerRequest(pipeline: pipeline.id)).run
            for await notification in notifications {
                if case .runChanged(let changed) = notification, changed.id == run.id, changed.state.isFinished {
                    guard changed.state == .succeeded else { throw BenchError("benchmark run ended \(changed.state.rawValue)") }
                    break
                }
            }
            let elapsed = ContinuousClock.now - start
            group.cancelAll()
            return elapsed.seconds
        }
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }

    static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Start and end instants of each benchmark task, as the task saw them.
final class Stamps: Sendable {
    private let times = Mutex<[Int: (start: ContinuousClock.Instant, end: ContinuousClock.Instant)]>([:])

    func record(_ index: Int, start: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        times.withLock { $0[index] = (start, end) }
    }

    func handoffs() -> [Double] {
        times.withLock { times in
            (1..<max(1, times.count)).compactMap { index in
                guard let previous = times[index - 1], let current = times[index] else { return nil }
                return (current.start - previous.end).seconds
            }
        }
    }
}

/// A job that notes when it ran: the hand-off benchmark's probe.
struct StampJob: JobKind {
    struct Settings: Decodable, Sendable {}
    static let kindName = "stamp"
    let index: Int
    let stamps: Stamps

    init(settings: Settings) throws { throw JobSettingsError("stamp is built in code only") }
    init(index: Int, stamps: Stamps) {
        self.index = index
        self.stamps = stamps
    }

    func run(in context: JobContext) async throws {
        let now = ContinuousClock.now
        stamps.record(index, start: now, end: ContinuousClock.now)
    }
}
