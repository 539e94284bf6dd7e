extension TaskGraph {
    /// The first cycle found by a depth-first walk in file order, as a path that
    /// starts and ends at the same task (`[a, b, a]`), or `nil` for a DAG.
    func findCycle() -> [Int]? {
        enum Mark { case unvisited, onPath, done }
        var marks = Array(repeating: Mark.unvisited, count: tasks.count)
        var path: [Int] = []

        func visit(_ node: Int) -> [Int]? {
            marks[node] = .onPath
            path.append(node)
            for next in downstream[node] {
                switch marks[next] {
                case .onPath:
                    let start = path.firstIndex(of: next)!
                    return Array(path[start...]) + [next]
                case .unvisited:
                    if let cycle = visit(next) { return cycle }
                case .done:
                    continue
                }
            }
            path.removeLast()
            marks[node] = .done
            return nil
        }

        for node in tasks.indices where marks[node] == .unvisited {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }
}
