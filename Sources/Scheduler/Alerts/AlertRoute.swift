/// What happens in a pipeline that someone on call must hear of.
public enum AlertEvent: String, Sendable, CaseIterable, Codable {
    /// A task failed after its last retry.
    case taskFailed = "task_failed"
    case runFailed = "run_failed"
    /// A run not finished `deadline` after its logical date.
    case deadlineMissed = "deadline_missed"
    /// A run succeeded after the pipeline's previous run failed.
    case recovered
    /// A service task restarted more than `flapping.restarts` times within `flapping.window`.
    case serviceFlapping = "service_flapping"
}

/// A pipeline's `alerts:` block (or the settings' `alerts.default`): which channels hear which events.
public struct AlertRoute: Sendable, Equatable {
    public struct Flapping: Sendable, Equatable {
        public let restarts: Int
        public let window: Duration

        public init(restarts: Int, window: Duration) {
            self.restarts = restarts
            self.window = window
        }
    }

    /// Channel names, as the settings' `alerts.channels` name them.
    public let channels: [String]
    public let events: Set<AlertEvent>
    /// For `deadline_missed`: how long after its logical date a run must have finished.
    public let deadline: Duration?
    /// For `service_flapping` (default: more than 3 restarts within 10 minutes).
    public let flapping: Flapping

    public static let defaultFlapping = Flapping(restarts: 3, window: .seconds(600))

    public init(channels: [String], events: Set<AlertEvent>, deadline: Duration? = nil, flapping: Flapping = AlertRoute.defaultFlapping) {
        self.channels = channels
        self.events = events
        self.deadline = deadline
        self.flapping = flapping
    }
}
