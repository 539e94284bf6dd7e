public import Scheduler

extension JobKindRegistry {
    /// Every kind the daemon offers: the built-in `shell` and `noop`, and the
    /// data kinds of this module as they arrive (Kafka, lake, warehouse…).
    public static func standard() -> JobKindRegistry {
        JobKindRegistry.builtIn
    }
}
