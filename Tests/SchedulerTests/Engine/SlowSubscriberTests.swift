import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// Listeners never hold the engine up: a subscriber that reads nothing keeps only its newest notifications (a
/// bounded buffer), and the engine goes on at its own pace.
@Suite(.timeLimit(.minutes(1))) struct SlowSubscriberTests {
    @Test func subscribersThatNeverReadDoNotSlowTheEngine() async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}, {id: b, kind: noop, needs: [a]}]\n"]) { harness in
            // A thousand listeners that never read (abandoned panels), each with a small buffer.
            let stalled = (0..<1000).map { _ in harness.engine.notifications(buffer: 4) }
            var last = RunID(0)
            for _ in 0..<200 {
                last = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"))).run.id
            }
            try await harness.waitFor(last, .succeeded, within: 30)
            #expect(try harness.store.runs(Store.RunFilter(state: .succeeded, limit: 500)).count == 200)
            withExtendedLifetime(stalled) {}
        }
    }
}
