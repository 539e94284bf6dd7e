public import Prometheus

/// What the engine measures as it works, in a Prometheus registry that `/metrics` serves:
/// how long attempts and runs took, by pipeline and outcome, and the engine's lag (from an
/// event being posted to the engine having recorded and acted on it). Counts since the
/// daemon started, as Prometheus histograms are; what the history holds comes from the store.
public final class EngineMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    private static let durationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(300), .seconds(1800), .seconds(3600),
        .seconds(4 * 3600),
    ]
    private static let lagBuckets: [Duration] = [
        .microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2),
    ]
    private let lag: DurationHistogram

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        lag = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "autooptimize", metricName: "engine_lag", unitName: "seconds",
                helpText: "From an event (a trigger, an attempt's end, a timer) reaching the engine to its change being recorded and acted on."),
            labels: [], buckets: Self.lagBuckets)
    }

    func attemptFinished(pipeline: PipelineID, state: AttemptState, seconds: Double) {
        duration("attempt_duration", "How long finished attempts ran, since the daemon started.", pipeline, state.rawValue, seconds)
    }

    func runFinished(pipeline: PipelineID, state: RunState, seconds: Double) {
        duration("run_duration", "How long finished runs took from their start, since the daemon started.", pipeline, state.rawValue, seconds)
    }

    /// The registry hands back the same histogram for the same name and labels.
    private func duration(_ name: String, _ help: String, _ pipeline: PipelineID, _ state: String, _ seconds: Double) {
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "autooptimize", metricName: name, unitName: "seconds", helpText: help),
            labels: [("pipeline", pipeline.rawValue), ("state", state)], buckets: Self.durationBuckets
        ).record(.seconds(max(0, seconds)))
    }

    func acted(onEventsPostedAt posted: ContinuousClock.Instant) {
        lag.record(ContinuousClock.now - posted)
    }
}
