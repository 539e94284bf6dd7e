import Foundation
import Hummingbird
import HummingbirdTesting
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// The routes behind the panel's run notes and calendar.
@Suite(.timeLimit(.minutes(1))) struct RunNotesAndCalendarTests {
    private let headers: HTTPFields = [.authorization: "Bearer local", .contentType: "application/json"]

    private func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, EngineHarness) async throws -> Void) async throws {
        try await TestAPI.with(yaml: ["id: p\ntimezone: Africa/Nairobi\ntasks: [{id: a, kind: noop}]\n"], body)
    }

    private func json(_ response: TestResponse) throws -> [String: Any] { try TestAPI.json(response) }

    @Test func aCommentGivenAtTriggerIsKeptAndCanBeEditedAndClearedWithAnAuditEvent() async throws {
        try await withAPI { client, harness in
            let created = try await client.execute(
                uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"comment": "  reload after the March fix\n"}"#))
            #expect(created.status == .created)
            let run = try json(created)
            #expect(run["comment"] as? String == "reload after the March fix", "trimmed")
            #expect(run["triggeredBy"] as? String == "local admin")
            let id = try #require(run["id"] as? Int)

            let edited = try await client.execute(
                uri: "/api/v1/runs/\(id)", method: .patch, headers: headers, body: ByteBuffer(string: #"{"comment": "figures checked\twith finance"}"#))
            #expect(edited.status == .ok)
            #expect(try json(edited)["comment"] as? String == "figures checked\twith finance")
            let read = try json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers))
            #expect((read["run"] as? [String: Any])?["comment"] as? String == "figures checked\twith finance")

            let cleared = try await client.execute(uri: "/api/v1/runs/\(id)", method: .patch, headers: headers, body: ByteBuffer(string: #"{"comment": null}"#))
            #expect(cleared.status == .ok)
            #expect(try json(cleared)["comment"] == nil)
            let comments = try harness.store.auditEvents().filter { $0.action == "run.comment" }
            #expect(comments.map(\.outcome) == ["ok", "ok"])
            #expect(comments.allSatisfy { $0.target == "run \(id)" })
        }
    }

    @Test func badCommentsAreRefusedWithTheRuleAndChangeNothing() async throws {
        try await withAPI { client, harness in
            let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), comment: "kept")).run
            let bodies = [
                (#"{"comment": "\#(String(repeating: "é", count: 2001))"}"#, "at most 2000 characters"),
                (#"{"comment": "bell \u0007"}"#, "control characters"),
                (#"{"comment": 5}"#, "comment"),
                (#"{"note": "x"}"#, "comment"),
            ]
            for (body, message) in bodies {
                let response = try await client.execute(uri: "/api/v1/runs/\(run.id)", method: .patch, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body.prefix(40))")
                #expect(String(buffer: response.body).contains(message), "\(String(buffer: response.body))")
            }
            let unknown = try await client.execute(uri: "/api/v1/runs/999", method: .patch, headers: headers, body: ByteBuffer(string: #"{"comment": "x"}"#))
            #expect(unknown.status == .notFound)
            #expect(try harness.detail(run.id).run.comment == "kept")
            let refused = try await client.execute(
                uri: "/api/v1/pipelines/p/runs", method: .post, headers: headers, body: ByteBuffer(string: #"{"comment": "a\u0000b"}"#))
            #expect(refused.status == .badRequest)
            #expect(try harness.store.runs().count == 1, "a refused trigger creates no run")
        }
    }

    @Test func theCalendarCountsTodaysRunsInThePipelinesTimeZoneAndChecksItsDays() async throws {
        try await withAPI { client, harness in
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: "Africa/Nairobi"))
            let now = Date()
            for _ in 0..<3 {
                let run = try await harness.engine.trigger(TriggerRequest(pipeline: PipelineID("p"), logicalDate: now)).run
                try await harness.waitFor(run.id, .succeeded)
            }
            let answer = try json(try await client.execute(uri: "/api/v1/pipelines/p/calendar?days=7", method: .get, headers: headers))
            #expect(answer["timezone"] as? String == "Africa/Nairobi")
            let days = try #require(answer["days"] as? [[String: Any]])
            let parts = calendar.dateComponents([.year, .month, .day], from: now)
            let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            #expect(days.count == 1)
            #expect(days.first?["day"] as? String == today)
            #expect(days.first?["total"] as? Int == 3)
            #expect((days.first?["states"] as? [String: Int]) == ["succeeded": 3])
            for bad in ["days=0", "days=367", "days=x"] {
                let response = try await client.execute(uri: "/api/v1/pipelines/p/calendar?\(bad)", method: .get, headers: headers)
                #expect(response.status == .badRequest, "\(bad)")
            }
            #expect(try await client.execute(uri: "/api/v1/pipelines/nope/calendar", method: .get, headers: headers).status == .notFound)
        }
    }
}
