/// Exponential backoff with jitter: each wait about doubles up to `maximum`, drawn from its upper half so that
/// many clients do not retry in step.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    public mutating func next() -> Duration {
        let wait = current
        current = min(maximum, current * 2)
        let milliseconds = Double(wait.milliseconds)
        return .milliseconds(Int64(Double.random(in: (milliseconds / 2)...milliseconds)))
    }

    public mutating func reset() { current = initial }
}
