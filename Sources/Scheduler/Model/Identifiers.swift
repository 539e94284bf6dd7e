/// Names a pipeline: the `id` of its YAML file, unique across `jobs.d`.
public struct PipelineID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Names a task inside its pipeline.
public struct TaskID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The store's number for a run; stable for the life of the run's row.
public struct RunID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One task of one run: the unit the engine schedules.
public struct TaskRunKey: Hashable, Sendable, CustomStringConvertible {
    public let run: RunID
    public let task: TaskID
    public init(run: RunID, task: TaskID) {
        self.run = run
        self.task = task
    }
    public var description: String { "run \(run) task \(task)" }
}

/// One attempt of one task run; `number` counts from 1.
public struct AttemptKey: Hashable, Sendable, CustomStringConvertible {
    public let taskRun: TaskRunKey
    public let number: Int
    public init(taskRun: TaskRunKey, number: Int) {
        self.taskRun = taskRun
        self.number = number
    }
    public var description: String { "attempt \(number) of \(taskRun.task) (run \(taskRun.run))" }
    /// The value shell attempts carry in `AUTOOPTIMIZE_ATTEMPT`, so that recovery can find their processes.
    public var marker: String { "\(taskRun.run.rawValue)/\(taskRun.task.rawValue)/\(number)" }
}
