/// Why the engine refused a request.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownPipeline(PipelineID, known: [PipelineID])
    case unknownRun(RunID)
    case unknownTask(TaskID, run: RunID, known: [TaskID])
    case badParams(ParamError)
    /// The request does not fit the current state (rerun a running task, backfill without schedule…).
    case invalidRequest(String)
    case shuttingDown
    /// The store could not be read to decide: nothing was done (never taken for "no such run").
    case storeUnavailable(String)

    public var description: String {
        switch self {
        case .unknownPipeline(let id, let known):
            "unknown pipeline \"\(id)\" (pipelines: \(known.isEmpty ? "none" : known.map(\.rawValue).joined(separator: ", ")))"
        case .unknownRun(let id):
            "unknown run \(id)"
        case .unknownTask(let task, let run, let known):
            "run \(run) has no task \"\(task)\" (tasks: \(known.map(\.rawValue).joined(separator: ", ")))"
        case .badParams(let error):
            error.description
        case .invalidRequest(let message):
            message
        case .shuttingDown:
            "the daemon is shutting down; try again once it is back"
        case .storeUnavailable(let why):
            "the store could not be read, so nothing was done: \(why)"
        }
    }
}
