import Foundation
import GRDB
@testable import Scheduler
import SchedulerTesting
import Testing

/// A store that cannot be read makes the engine refuse, never guess: "no run with this key" would make a second
/// run for it, "no run with this date" a date that runs twice, "unknown run" a lie.
@Suite(.timeLimit(.minutes(1))) struct StoreReadErrorTests {
    private func breakRunReads(_ store: Store) throws {
        try store.writer.write { try $0.execute(sql: "ALTER TABLE run RENAME TO run_hidden") }
    }

    private func mendRunReads(_ store: Store) throws {
        try store.writer.write { try $0.execute(sql: "ALTER TABLE run_hidden RENAME TO run") }
    }

    private func isStoreUnavailable(_ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let error as EngineError {
            if case .storeUnavailable = error { return true }
            return false
        } catch {
            return false
        }
    }

    @Test func unreadableRunsAreRefusalsNotNewRunsOrUnknownRuns() async throws {
        try await EngineHarness.with(yaml: ["id: p\nschedule: \"0 * * * *\"\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let first = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), idempotencyKey: "ci-42")).run
            try await harness.waitFor(first.id, .succeeded)
            try breakRunReads(harness.store)

            #expect(await isStoreUnavailable { _ = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), idempotencyKey: "ci-42")) })
            #expect(await isStoreUnavailable { _ = try await harness.engine.cancel(first.id) })
            #expect(await isStoreUnavailable { _ = try await harness.engine.rerun(first.id) })
            let from = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(await isStoreUnavailable {
                _ = try await harness.engine.backfill(BackfillRequest(pipeline: PipelineID("p"), from: from, to: from.addingTimeInterval(7200)))
            })

            // Once the store reads again, the key still names its one run.
            try mendRunReads(harness.store)
            let again = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), idempotencyKey: "ci-42"))
            #expect(again.run.id == first.id && !again.created)
            #expect(try harness.store.runs().count == 1)
        }
    }
}
