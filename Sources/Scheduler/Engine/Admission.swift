import DequeModule

/// Decides which queued task runs may start, under the global limit on running
/// attempts and each pipeline's `max_active_tasks`. Pure: no I/O, no clock.
///
/// Order is first queued, first started, across pipelines; a pipeline at its
/// limit does not hold back the others.
struct Admission {
    struct Entry {
        let sequence: Int
        let key: TaskRunKey
    }

    let globalLimit: Int
    private(set) var runningTotal = 0
    private var running: [PipelineID: Int] = [:]
    private var limits: [PipelineID: Int] = [:]
    private var queues: [PipelineID: Deque<Entry>] = [:]
    private var sequence = 0

    init(globalLimit: Int) { self.globalLimit = max(1, globalLimit) }

    var queuedCount: Int { queues.values.reduce(0) { $0 + $1.count } }

    mutating func setLimit(_ limit: Int, for pipeline: PipelineID) { limits[pipeline] = max(1, limit) }

    mutating func enqueue(_ key: TaskRunKey, pipeline: PipelineID) {
        sequence += 1
        queues[pipeline, default: []].append(Entry(sequence: sequence, key: key))
    }

    /// Drops queued entries that `keep` refuses (cancelled runs, tasks marked by hand).
    mutating func removeQueued(pipeline: PipelineID, where drop: (TaskRunKey) -> Bool) {
        queues[pipeline]?.removeAll { drop($0.key) }
    }

    /// Counts an attempt that runs without passing through the queue (recovered at start-up).
    mutating func countRunning(pipeline: PipelineID) {
        runningTotal += 1
        running[pipeline, default: 0] += 1
    }

    /// An attempt of `pipeline` ended: its slot is free.
    mutating func finished(pipeline: PipelineID) {
        runningTotal = max(0, runningTotal - 1)
        running[pipeline] = max(0, (running[pipeline] ?? 0) - 1)
    }

    /// The task runs that may start now, oldest first; their slots are taken.
    mutating func admit() -> [(pipeline: PipelineID, key: TaskRunKey)] {
        var admitted: [(PipelineID, TaskRunKey)] = []
        while runningTotal < globalLimit, let pipeline = nextPipeline() {
            let entry = queues[pipeline]!.removeFirst()
            if queues[pipeline]!.isEmpty { queues[pipeline] = nil }
            runningTotal += 1
            running[pipeline, default: 0] += 1
            admitted.append((pipeline, entry.key))
        }
        return admitted
    }

    /// The pipeline with room whose head entry was queued first.
    private func nextPipeline() -> PipelineID? {
        var best: (PipelineID, Int)?
        for (pipeline, queue) in queues {
            guard let head = queue.first, (running[pipeline] ?? 0) < (limits[pipeline] ?? 16) else { continue }
            if head.sequence < best?.1 ?? .max { best = (pipeline, head.sequence) }
        }
        return best?.0
    }
}
