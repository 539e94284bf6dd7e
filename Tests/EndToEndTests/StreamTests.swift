import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchedulerTesting
import Testing

/// Answers that stay open (live events, followed logs) are bounded per credential and end soon after their
/// client leaves, even when they have nothing to write.
@Suite(.timeLimit(.minutes(1))) struct StreamTests {
    private func openStreams(_ daemon: Daemon) async throws -> Int? {
        var request = URLRequest(url: URL(string: daemon.url + "/metrics")!)
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (body, _) = try await URLSession.shared.data(for: request)
        let line = String(decoding: body, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("autooptimize_open_streams ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }
    }

    private func get(_ path: String, port: Int, token: String) throws -> RawConnection {
        let connection = try RawConnection(port: port)
        try connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n")
        return connection
    }

    @Test func streamsAreCappedPerCredentialAndEndWhenTheirClientLeaves() async throws {
        let daemon = try Daemon()
        let pidFile = daemon.root.appending("quiet.pid").path
        try daemon.write("quiet.yaml", """
            id: quiet
            tasks:
              - id: wait
                kind: shell
                with: {command: "echo started; echo $$ > \(pidFile); exec sleep 300"}
            """)
        try await daemon.start()
        let port = try #require(Int(daemon.url.split(separator: ":").last ?? ""))
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        let run = try await daemon.trigger("quiet")
        try await eventually(within: 20, "the quiet task to run") { FileManager.default.fileExists(atPath: pidFile) }

        // Eight open answers for one credential: events and a followed log of a task that prints nothing more.
        var open = try (0..<6).map { _ in try get("/api/v1/events", port: port, token: token) }
        open += try (0..<2).map { _ in try get("/api/v1/runs/\(run)/tasks/wait/log?follow=true", port: port, token: token) }
        try await eventually("the eight answers to start") { open.allSatisfy { $0.receivedText().hasPrefix("HTTP/1.1 200") } }
        #expect(try await openStreams(daemon) == 8)

        // A ninth is refused, saying when to try again; reads that end are not affected.
        let ninth = try get("/api/v1/events", port: port, token: token)
        try await eventually("the ninth to be answered") { !ninth.receivedText().isEmpty }
        #expect(ninth.receivedText().hasPrefix("HTTP/1.1 429"))
        #expect(ninth.receivedText().lowercased().contains("retry-after: 5"))
        #expect(try await daemon.get("/api/v1/health")["status"] as? String == "ok")

        // The clients go away: every answer ends within moments (the heartbeat is 15 s away, and the log has
        // nothing new to write), and its place is given back.
        open.forEach { $0.hangUp() }
        try await eventually(within: 5, "the abandoned answers to end") { try await openStreams(daemon) == 0 }
        let again = try get("/api/v1/events", port: port, token: token)
        try await eventually("a new stream to be admitted") { again.receivedText().hasPrefix("HTTP/1.1 200") }
    }
}
