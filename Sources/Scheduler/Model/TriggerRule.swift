/// When a task may start, given how its upstream tasks ended.
public enum TriggerRule: String, Codable, Sendable, CaseIterable {
    /// Every upstream task succeeded (the default).
    case allSuccess = "all_success"
    /// Every upstream task ended, however.
    case allDone = "all_done"
    /// At least one upstream task failed; starts as soon as one has.
    case oneFailed = "one_failed"
    /// Every upstream task ended and none failed (skipped is fine).
    case noneFailed = "none_failed"
}
