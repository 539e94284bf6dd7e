/// The DAG of a pipeline's tasks, built once when the pipeline is loaded.
///
/// Indexes are positions in `tasks` (file order), so the engine's per-run
/// bookkeeping can live in flat arrays rather than dictionaries.
public struct TaskGraph: Sendable {
    public let tasks: [TaskSpec]
    /// `upstream[i]`: indexes of the tasks task `i` needs.
    public let upstream: [[Int]]
    /// `downstream[i]`: indexes of the tasks that need task `i`.
    public let downstream: [[Int]]
    private let indexByID: [TaskID: Int]
    /// A topological order (Kahn's algorithm, ties broken by file order), computed once.
    public let topologicalOrder: [Int]

    /// Builds the graph.
    /// - Throws: `TaskGraphError` for a duplicate task, a missing dependency or a cycle.
    public init(tasks: [TaskSpec]) throws(TaskGraphError) {
        var index: [TaskID: Int] = [:]
        for (position, task) in tasks.enumerated() {
            if index[task.id] != nil { throw .duplicateTask(task.id, line: task.line) }
            index[task.id] = position
        }
        var upstream = Array(repeating: [Int](), count: tasks.count)
        var downstream = Array(repeating: [Int](), count: tasks.count)
        for (position, task) in tasks.enumerated() {
            for need in task.needs {
                guard let from = index[need] else {
                    throw .missingDependency(task: task.id, needs: need, known: tasks.map(\.id), line: task.line)
                }
                upstream[position].append(from)
                downstream[from].append(position)
            }
        }
        self.tasks = tasks
        self.upstream = upstream
        self.downstream = downstream
        self.indexByID = index
        self.topologicalOrder = Self.kahn(upstream: upstream, downstream: downstream)
        if let cycle = findCycle() {
            throw .cycle(cycle.map { tasks[$0].id }, line: tasks[cycle[0]].line)
        }
    }

    public func index(of id: TaskID) -> Int? { indexByID[id] }
    public func task(_ id: TaskID) -> TaskSpec? { indexByID[id].map { tasks[$0] } }

    /// Indexes of the tasks with no upstream.
    public var roots: [Int] { tasks.indices.filter { upstream[$0].isEmpty } }

    /// `index` and every task downstream of it, transitively, in file order.
    public func downstreamClosure(of index: Int) -> [Int] {
        var seen: Set<Int> = [index]
        var stack = [index]
        while let next = stack.popLast() {
            for child in downstream[next] where seen.insert(child).inserted { stack.append(child) }
        }
        return seen.sorted()
    }

    private static func kahn(upstream: [[Int]], downstream: [[Int]]) -> [Int] {
        var remaining = upstream.map(\.count)
        var ready = upstream.indices.filter { remaining[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        while let next = ready.popLast() {
            order.append(next)
            for child in downstream[next].reversed() {
                remaining[child] -= 1
                if remaining[child] == 0 { ready.append(child) }
            }
        }
        return order
    }
}
