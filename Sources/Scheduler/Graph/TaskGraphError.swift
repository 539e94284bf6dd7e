/// Why a set of tasks does not form a valid DAG.
public enum TaskGraphError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicateTask(TaskID, line: Int)
    case missingDependency(task: TaskID, needs: TaskID, known: [TaskID], line: Int)
    case cycle([TaskID], line: Int)

    public var line: Int {
        switch self {
        case .duplicateTask(_, let line), .missingDependency(_, _, _, let line), .cycle(_, let line): line
        }
    }

    public var description: String {
        switch self {
        case .duplicateTask(let id, _):
            "task \"\(id)\" is defined twice"
        case .missingDependency(let task, let needs, let known, _):
            "task \"\(task)\" needs \"\(needs)\", which does not exist (tasks: \(known.map(\.rawValue).joined(separator: ", ")))"
        case .cycle(let path, _):
            "tasks form a cycle: \(path.map(\.rawValue).joined(separator: " → "))"
        }
    }
}
