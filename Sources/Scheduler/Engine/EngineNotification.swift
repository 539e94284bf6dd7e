import Synchronization

/// What the engine tells observers (live panel updates, tests) after it has recorded it.
public enum EngineNotification: Sendable {
    case runChanged(Run)
    case taskRunChanged(TaskRun)
    case attemptStarted(Attempt)
    case attemptFinished(Attempt)
    case pipelinesLoaded(loaded: [PipelineID], failures: [Diagnostic])
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
