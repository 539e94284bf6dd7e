import Foundation
import Scheduler
import Testing

@Suite struct RetryPolicyTests {
    @Test(arguments: [
        (1, 0.0, 5.0), (1, 1.0, 10.0), (2, 1.0, 20.0), (3, 0.5, 30.0), (10, 1.0, 60.0), (40, 0.0, 30.0),
    ])
    func delayGrowsExponentiallyWithJitterUnderTheCap(retry: Int, jitter: Double, seconds: Double) {
        let policy = RetryPolicy(retries: 5, backoff: .seconds(10), maxBackoff: .seconds(60))
        #expect(policy.delay(beforeRetry: retry, jitter: jitter) == .milliseconds(Int64(seconds * 1000)))
    }

    @Test func retriesCountAfterTheFirstAttempt() {
        let policy = RetryPolicy(retries: 2)
        #expect(policy.allowsRetry(after: 1))
        #expect(policy.allowsRetry(after: 2))
        #expect(!policy.allowsRetry(after: 3))
    }

    @Test(arguments: [("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("250ms", 0.25), ("2d", 172_800.0)])
    func durationsParse(text: String, seconds: Double) {
        #expect(DurationText.parse(text)?.seconds == seconds)
    }

    @Test(arguments: ["", "5", "5 minutes", "m5", "1h-3m"])
    func badDurationsAreRefused(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
