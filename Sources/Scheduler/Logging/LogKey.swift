/// Every metadata key the daemon logs under, defined once (service-lifecycle's `LoggingConfiguration.Keys`).
public enum LogKey {
    public static let pipeline = "pipeline"
    public static let task = "task"
    public static let run = "run.id"
    public static let attempt = "attempt.number"
    public static let error = "error"
    public static let file = "file"
    public static let count = "count"
    public static let reason = "reason"
    public static let path = "path"
}
