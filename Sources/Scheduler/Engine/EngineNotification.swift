import Synchronization

/// What the engine tells observers (live panel updates, tests) after it has recorded it.
/// Each names its pipeline, so that a reader limited to some pipelines hears of those only.
public enum EngineNotification: Sendable {
    case runChanged(Run)
    case taskRunChanged(TaskRun, pipeline: PipelineID)
    case attemptStarted(Attempt, pipeline: PipelineID)
    case attemptFinished(Attempt, pipeline: PipelineID)
    case pipelinesLoaded(loaded: [PipelineID], failures: [Diagnostic])

    /// The pipeline it concerns; `nil` for a reload, which concerns several.
    public var pipeline: PipelineID? {
        switch self {
        case .runChanged(let run): run.pipeline
        case .taskRunChanged(_, let pipeline), .attemptStarted(_, let pipeline), .attemptFinished(_, let pipeline): pipeline
        case .pipelinesLoaded: nil
        }
    }
}

/// Fans notifications out to every subscriber; a slow subscriber loses its oldest ones, never blocks the engine.
final class NotificationHub: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<EngineNotification>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    func subscribe(buffer: Int) -> AsyncStream<EngineNotification> {
        let (stream, continuation) = AsyncStream.makeStream(of: EngineNotification.self, bufferingPolicy: .bufferingNewest(buffer))
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ notifications: [EngineNotification]) {
        guard !notifications.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for target in targets {
            for notification in notifications { target.yield(notification) }
        }
    }

    func finish() {
        let targets = subscribers.withLock { Array($0.values) }
        targets.forEach { $0.finish() }
    }
}
