import Foundation
import SchedulerTesting
import Testing

/// A running task's log, followed in one streamed answer that ends with the attempt.
@Suite(.timeLimit(.minutes(1))) struct LogFollowTests {
    @Test func followingALogStreamsWhatTheTaskWritesUntilItEnds() async throws {
        let daemon = try Daemon()
        let flag = daemon.root.appending("go-on").path
        try daemon.write("slow.yaml", """
            id: slow
            tasks:
              - {id: a, kind: shell, with: {command: "echo first line; while [ ! -f \(flag) ]; do sleep 0.05; done; echo second line"}}
            """)
        try await daemon.start()
        let run = try await daemon.trigger("slow")
        try await eventually("the task to run") { try await daemon.attempts(run).first?["state"] as? String == "running" }

        let port = try #require(Int(daemon.url.split(separator: ":").last ?? ""))
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        let connection = try RawConnection(port: port)
        try connection.send("GET /api/v1/runs/\(run)/tasks/a/log?follow=true HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n\r\n")

        // The first line arrives while the task still runs, and the answer stays open.
        try await eventually("the first line to stream") {
            _ = connection.isClosedByPeer()
            return String(decoding: connection.received, as: UTF8.self).contains("first line")
        }
        #expect(!connection.isClosedByPeer())
        #expect(!String(decoding: connection.received, as: UTF8.self).contains("second line"))

        // The command line follows too: it prints the first line and waits.
        let output = daemon.root.appending("follow.out").path
        let follower = try SpawnedProcess(
            try Daemon.executable, ["logs", "\(run)", "a", "--follow", "--data", daemon.data.path], stdoutPath: output,
            stderrPath: daemon.root.appending("follow.err").path)
        try await eventually("the command line to print the first line") {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("first line")
        }
        #expect(follower.isRunning)

        // Once the task goes on and ends, the rest arrives and the answer ends.
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        try await eventually("the stream to end with the attempt") { connection.isClosedByPeer() }
        let text = String(decoding: connection.received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.contains("second line"))
        #expect(text.hasSuffix("0\r\n\r\n"), "the chunked answer ends properly")
        #expect(try await daemon.runState(run) == "succeeded")
        #expect(await follower.exitStatus() == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "first line\nsecond line\n")
    }
}
