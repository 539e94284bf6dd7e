/// How many times a failed task is tried again, and how long to wait between tries.
///
/// The delay grows exponentially from `backoff`, is capped at `maxBackoff`, and
/// is then spread by jitter so that many tasks failing together do not retry
/// together: the delay before retry *n* is a random point in `[d/2, d]` where
/// `d = min(maxBackoff, backoff × 2^(n-1))`.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Retries after the first attempt; `0` means the task is tried once.
    public var retries: Int
    public var backoff: Duration
    public var maxBackoff: Duration

    public init(retries: Int = 0, backoff: Duration = .seconds(10), maxBackoff: Duration = .seconds(600)) {
        self.retries = retries
        self.backoff = backoff
        self.maxBackoff = maxBackoff
    }

    /// Whether attempt `number` (counting from 1) may be followed by another.
    public func allowsRetry(after number: Int) -> Bool { number <= retries }

    /// The wait before retry `retry` (1 for the first retry).
    /// - Parameter jitter: a value in `0...1`; pass a random one in production and a fixed one in tests.
    public func delay(beforeRetry retry: Int, jitter: Double) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let base = backoff.seconds * pow2(exponent)
        let capped = min(maxBackoff.seconds, base)
        let spread = capped * (0.5 + 0.5 * min(1, max(0, jitter)))
        return .milliseconds(Int64((spread * 1000).rounded()))
    }

    private func pow2(_ exponent: Double) -> Double {
        exponent >= 62 ? Double.greatestFiniteMagnitude : Double(UInt64(1) << UInt64(exponent))
    }
}

extension Duration {
    /// The duration as fractional seconds.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
