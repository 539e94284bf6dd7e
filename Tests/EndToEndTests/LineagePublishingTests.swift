import Foundation
import SchedulerTesting
import StandIns
import Testing

/// With `lineage.url` set, every lineage event reaches the OpenLineage endpoint, in order and once, even when the
/// endpoint was away at first, and with the API key as a Bearer token.
@Suite(.timeLimit(.minutes(2))) struct LineagePublishingTests {
    @Test func eventsReachTheEndpointInOrderOnceThroughAnOutage() async throws {
        let receiver = try await OpenLineageReceiver(unavailableRequests: 3)
        let daemon = try Daemon()
        let key = daemon.root.appending("marquez.key")
        try "s3cret-key\n".write(to: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        try "lineage:\n  url: \(receiver.url)\n  api_key: {file: \(key.path)}\n".write(
            to: daemon.root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        try daemon.write("chain.yaml", "id: chain\ntasks:\n  - {id: a, kind: noop}\n  - {id: b, kind: noop, needs: [a]}\n")
        try await daemon.start(extra: ["--config", daemon.root.appending("settings.yaml").path])
        let run = try await daemon.trigger("chain")
        try await eventually(within: 30, "the run to finish") { try await daemon.runState(run) == "succeeded" }
        try await eventually(within: 60, "four events delivered") { receiver.events.count >= 4 }
        let events = receiver.events
        #expect(events.map { "\(($0["job"] as? [String: Any])?["name"] ?? "") \($0["eventType"] ?? "")" } == [
            "chain.a START", "chain.a COMPLETE", "chain.b START", "chain.b COMPLETE",
        ])
        #expect(receiver.violations.isEmpty, "\(receiver.violations)")
        #expect(receiver.requests == 7, "3 refused while away, then each of the 4 once")
        #expect(receiver.authorizations.allSatisfy { $0 == "Bearer s3cret-key" })
        // The same run id at START and COMPLETE of one attempt; the pipeline run as parent of both tasks.
        let runIDs = events.map { ($0["run"] as? [String: Any])?["runId"] as? String ?? "" }
        #expect(runIDs[0] == runIDs[1] && runIDs[2] == runIDs[3] && runIDs[0] != runIDs[2])

        // A restart sends nothing twice; a new run's events follow.
        daemon.stop()
        try await eventually("the daemon to be gone") { kill(daemon.pid, 0) != 0 }
        try await daemon.start(extra: ["--config", daemon.root.appending("settings.yaml").path])
        let again = try await daemon.trigger("chain")
        try await eventually(within: 30, "the second run to finish") { try await daemon.runState(again) == "succeeded" }
        try await eventually(within: 60, "eight events delivered") { receiver.events.count >= 8 }
        #expect(receiver.events.count == 8)
    }
}
