public import Foundation

/// A pipeline: one file of `jobs.d`, a DAG of tasks with its schedule and limits.
///
/// A definition only; how its runs went is in the store (STYLE 3.1, principle 4).
public struct Pipeline: Sendable {
    public let id: PipelineID
    public let description: String
    /// `nil` for pipelines that run only when triggered.
    public let schedule: CronExpression?
    public let timeZone: TimeZone
    /// Whether runs missed while the daemon was down or the pipeline paused are created afterwards.
    public let catchup: Bool
    /// Runs of this pipeline that may be active at once; more wait, queued.
    public let maxActiveRuns: Int
    /// Task attempts of this pipeline that may run at once, across its runs.
    public let maxActiveTasks: Int
    public let params: [ParamSpec]
    public let graph: TaskGraph
    /// Who hears of what (`alerts:`); nil: the settings' `alerts.default` applies.
    public let alerts: AlertRoute?
    /// The file it came from and a digest of its text, which tells a changed definition from a touched file.
    public let source: Source

    public struct Source: Sendable, Equatable {
        public let path: String
        public let digest: String
        public let text: String
        public init(path: String, digest: String, text: String) {
            self.path = path
            self.digest = digest
            self.text = text
        }
    }

    public init(
        id: PipelineID, description: String = "", schedule: CronExpression? = nil, timeZone: TimeZone = .gmt,
        catchup: Bool = false, maxActiveRuns: Int = 16, maxActiveTasks: Int = 16, params: [ParamSpec] = [],
        graph: TaskGraph, source: Source = Source(path: "", digest: "", text: ""), alerts: AlertRoute? = nil
    ) {
        self.id = id
        self.description = description
        self.schedule = schedule
        self.timeZone = timeZone
        self.catchup = catchup
        self.maxActiveRuns = maxActiveRuns
        self.maxActiveTasks = maxActiveTasks
        self.params = params
        self.graph = graph
        self.source = source
        self.alerts = alerts
    }

    public var tasks: [TaskSpec] { graph.tasks }
    public var hasServices: Bool { graph.tasks.contains(where: \.isService) }
    public func task(_ id: TaskID) -> TaskSpec? { graph.task(id) }
}
