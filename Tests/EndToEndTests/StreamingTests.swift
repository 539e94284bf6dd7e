import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchedulerTesting
import StandIns
import Testing

/// The real-time workflow with real parts: `autooptimize broker` (librdkafka's broker in a process of its own),
/// the daemon configured to reach it, the contract's fixture produced with `kcat`, the figures compared byte for
/// byte with the independent computation, the dead-letter topic read back with `kcat`, and a `kill -9` halfway.
@Suite(.timeLimit(.minutes(3))) struct StreamingTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../JobsTests/Fixtures/sales-events").standardized

    private func kcat(_ arguments: [String], in root: TemporaryDirectory) async throws -> String {
        let out = root.appending("kcat-\(UUID().uuidString).out").path
        let process = try SpawnedProcess(URL(fileURLWithPath: "/usr/bin/kcat"), arguments, stdoutPath: out, stderrPath: root.appending("kcat.err").path)
        let status = await process.exitStatus()
        guard status == 0 else { throw E2EFailure("kcat \(arguments.joined(separator: " ")) exited \(status): \((try? String(contentsOfFile: root.appending("kcat.err").path, encoding: .utf8)) ?? "")") }
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    private func figures(_ daemon: Daemon, group: String) async throws -> (csv: String, seen: Int) {
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        var request = URLRequest(url: URL(string: "\(daemon.url)/api/v1/figures/sellers?group=\(group)&format=csv")!)
        request.timeoutInterval = 5
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { return ("", 0) }
        let json = try await daemon.get("/api/v1/figures/sellers?group=\(group)")
        let seen = (json["events"] as? Int ?? 0) + (json["duplicates"] as? Int ?? 0) + (json["deadLetters"] as? Int ?? 0)
        return (String(decoding: body, as: UTF8.self), seen)
    }

    @Test func theFixtureGivesTheExpectedFiguresThroughAKillAndInAnyOrder() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat") else {
            throw E2EFailure("kcat is not installed: scripts/install-deps.sh --for-tests installs it")
        }
        let daemon = try Daemon()
        let root = daemon.root
        let broker = try SpawnedProcess(
            try Daemon.executable, ["broker", "--partitions", "4", "--topic", "sales.events", "--topic", "sales.events.dlq", "--topic", "shuffled"],
            stdoutPath: root.appending("broker.out").path, stderrPath: root.appending("broker.err").path)
        defer { broker.stop() }
        var bootstrap = ""
        try await eventually(within: 20, "the broker to print its address") {
            bootstrap = ((try? String(contentsOfFile: root.appending("broker.out").path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return !bootstrap.isEmpty
        }

        // The fixture: first half, second half, and all of it shuffled, one `key<TAB>value` a line.
        let lines = try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)
        let half = lines.count / 2
        try (lines[..<half].joined(separator: "\n") + "\n").write(to: root.appending("first.tsv"), atomically: true, encoding: .utf8)
        try (lines[half...].joined(separator: "\n") + "\n").write(to: root.appending("second.tsv"), atomically: true, encoding: .utf8)
        var generator = SystemRandomNumberGenerator()
        try (lines.shuffled(using: &generator).joined(separator: "\n") + "\n").write(to: root.appending("shuffled.tsv"), atomically: true, encoding: .utf8)
        let fx = Self.fixtures.appendingPathComponent("fx_rates.csv").path

        try "kafka:\n  brokers: \(bootstrap)\n".write(to: root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        try daemon.write("figures.yaml", """
            id: figures
            tasks:
              - {id: work, kind: seller-figures, service: true, with: {topic: sales.events, fx_rates: \(fx)}}
            """)
        try daemon.write("shuffled.yaml", """
            id: shuffled
            tasks:
              - {id: work, kind: seller-figures, service: true, with: {topic: shuffled, dead_letter_topic: shuffled.dlq, fx_rates: \(fx)}}
            """)
        try await daemon.start(extra: ["--config", root.appending("settings.yaml").path])
        _ = try await kcat(["-b", bootstrap, "-t", "sales.events", "-P", "-K", "\t", "-l", root.appending("first.tsv").path], in: root)
        try await eventually(within: 60, "the first half counted") { try await figures(daemon, group: "figures").seen == half }

        // A crash mid-stream, the second half produced while the daemon is down.
        daemon.kill9()
        _ = try await kcat(["-b", bootstrap, "-t", "sales.events", "-P", "-K", "\t", "-l", root.appending("second.tsv").path], in: root)
        _ = try await kcat(["-b", bootstrap, "-t", "shuffled", "-P", "-K", "\t", "-l", root.appending("shuffled.tsv").path], in: root)
        try await daemon.start(extra: ["--config", root.appending("settings.yaml").path])
        // The killed member never left its group: the restarted one is given the partitions when the old one's session
        // (10 s) has timed out, not librdkafka's default 45 s later.
        try await eventually(within: 40, "every message counted once") { try await figures(daemon, group: "figures").seen == lines.count }
        #expect(try await figures(daemon, group: "figures").csv == expected)
        try await eventually(within: 60, "the shuffled topic counted") { try await figures(daemon, group: "shuffled").seen == lines.count }
        #expect(try await figures(daemon, group: "shuffled").csv == expected, "the order of the messages changes nothing")

        // Kafka as the daemon sees it: the topics with their ends, and each group caught up.
        let streams = try await daemon.get("/api/v1/streams")
        #expect(streams["reachable"] as? Bool == true && streams["embedded"] as? Bool == false)
        let topics = (streams["topics"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) { $0[$1["name"] as? String ?? ""] = ($1["partitions"] as? [Any])?.count }
        #expect(topics["sales.events"] == 4 && topics["shuffled"] == 4)
        let groups = (streams["groups"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) { $0[$1["name"] as? String ?? ""] = $1["lag"] as? Int }
        #expect(groups["figures"] == 0 && groups["shuffled"] == 0, "\(groups)")

        // Every bad message is in the dead-letter topic, whole, with its reason.
        let bad = lines.filter { $0.hasPrefix("S-XX-01\t") }
        let letters = try await kcat(["-b", bootstrap, "-t", "sales.events.dlq", "-C", "-e", "-q", "-f", "%h\t%s\n"], in: root)
            .split(separator: "\n").map(String.init)
        #expect(letters.count == bad.count)
        let reasons = letters.compactMap { $0.split(separator: ",").first { $0.hasPrefix("reason=") }?.dropFirst(7) }.map(String.init).sorted()
        let wanted = bad.map { $0.contains("{not json") ? "invalid_json" : $0.contains("deal_teleported") ? "unknown_type" : "missing_field" }.sorted()
        #expect(reasons == wanted)
        #expect(Set(letters.map { String($0.split(separator: "\t", maxSplits: 1).last ?? "") }) == Set(bad.map { String($0.split(separator: "\t", maxSplits: 1)[1]) }))
    }

    /// The figures reach Elasticsearch (a stand-in that checks every `_bulk` as Elasticsearch does, with basic
    /// authentication, the password given to the daemon as `{env: …}`), and catch up after the broker (on a fixed
    /// `--port`) was down.
    @Test func figuresReachElasticsearchAndCatchUpAfterTheBrokerWasDown() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat") else {
            throw E2EFailure("kcat is not installed: scripts/install-deps.sh --for-tests installs it")
        }
        let daemon = try Daemon()
        let root = daemon.root
        let reserved = ReservedPort()
        let port = reserved.port
        let broker = try SpawnedProcess(
            try Daemon.executable, ["broker", "--port", "\(port)", "--brokers", "1", "--partitions", "4"],
            stdoutPath: root.appending("broker.out").path, stderrPath: root.appending("broker.err").path)
        defer { broker.stop(SIGKILL) }
        let bootstrap = "127.0.0.1:\(port)"
        try await eventually(within: 20, "the broker to print its fixed address") {
            ((try? String(contentsOfFile: root.appending("broker.out").path, encoding: .utf8)) ?? "").contains(bootstrap)
        }
        withExtendedLifetime(reserved) {}  // held until the broker listens on it
        let elasticsearch = try await ElasticsearchStandIn(credentials: "autooptimize:es-pass-\(port)")
        defer { Task { await elasticsearch.stop() } }

        let lines = try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)
        let half = lines.count / 2
        try (lines[..<half].joined(separator: "\n") + "\n").write(to: root.appending("first.tsv"), atomically: true, encoding: .utf8)
        try (lines[half...].joined(separator: "\n") + "\n").write(to: root.appending("second.tsv"), atomically: true, encoding: .utf8)
        try """
            kafka:
              brokers: \(bootstrap)
            elasticsearch:
              url: \(elasticsearch.url)
              username: autooptimize
              password: {env: AUTOOPTIMIZE_TEST_ES_PASSWORD}
            """.write(to: root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        try daemon.write("figures.yaml", """
            id: figures
            tasks:
              - {id: work, kind: seller-figures, service: true, with: {fx_rates: \(Self.fixtures.appendingPathComponent("fx_rates.csv").path)}}
            """)
        try await daemon.start(
            extra: ["--config", root.appending("settings.yaml").path], environment: ["AUTOOPTIMIZE_TEST_ES_PASSWORD": "es-pass-\(port)"])
        _ = try await kcat(["-b", bootstrap, "-t", "sales.events", "-P", "-K", "\t", "-l", root.appending("first.tsv").path], in: root)
        try await eventually(within: 60, "the first half counted") { try await figures(daemon, group: "figures").seen == half }

        // The broker goes down: the API says so; it comes back: the second half is counted.
        broker.send(SIGUSR1)
        try await eventually(within: 30, "the streams report to say Kafka is unreachable") {
            try await daemon.get("/api/v1/streams")["reachable"] as? Bool == false
        }
        broker.send(SIGUSR2)
        try await eventually(within: 60, "the broker taking messages again") {
            (try? await kcat(["-b", bootstrap, "-t", "sales.events", "-P", "-K", "\t", "-l", root.appending("second.tsv").path], in: root)) != nil
        }
        // The killed member never left its group: the restarted one is given the partitions when the old one's session
        // (10 s) has timed out, not librdkafka's default 45 s later.
        try await eventually(within: 40, "every message counted once") { try await figures(daemon, group: "figures").seen == lines.count }
        #expect(try await figures(daemon, group: "figures").csv == expected)

        // Elasticsearch holds the same figures, and one document per counted event.
        let counted = try await daemon.get("/api/v1/figures/sellers?group=figures")["events"] as? Int ?? -1
        try await eventually(within: 60, "the outbox sent") {
            let groups = try await daemon.get("/api/v1/streams")["groups"] as? [[String: Any]] ?? []
            let search = groups.first { $0["name"] as? String == "figures" }?["elasticsearch"] as? [String: Any]
            return search?["pending"] as? Int == 0 && (search?["indexed"] as? Int ?? 0) > 0
        }
        #expect(elasticsearch.violations == [])
        #expect(contractCSV(fromSellerDocuments: elasticsearch.documents(in: "sales-seller-figures")) == expected)
        let events = elasticsearch.indices.filter { $0.hasPrefix("sales-events-") }.reduce(0) { $0 + elasticsearch.documents(in: $1).count }
        #expect(events == counted && counted > 0)
    }

    @Test func brokersThatCannotBeReachedAreSaidSoInTheAPIAndTheLogNotAHang() async throws {
        let daemon = try Daemon()
        let root = daemon.root
        try "kafka:\n  brokers: 127.0.0.1:1\n".write(to: root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        try daemon.write("figures.yaml", """
            id: figures
            tasks:
              - {id: work, kind: seller-figures, service: true, with: {fx_rates: \(Self.fixtures.appendingPathComponent("fx_rates.csv").path)}}
            """)
        try await daemon.start(extra: ["--config", root.appending("settings.yaml").path])
        let started = ContinuousClock.now
        let streams = try await daemon.get("/api/v1/streams")
        #expect(ContinuousClock.now - started < .seconds(10), "the answer came in time")
        #expect(streams["reachable"] as? Bool == false)
        #expect((streams["error"] as? String)?.contains("127.0.0.1:1") == true, "\(streams)")
        try await eventually(within: 30, "the worker's log to say the broker refuses connections") {
            let logs = (try? FileManager.default.subpathsOfDirectory(atPath: daemon.data.appendingPathComponent("logs/figures").path)) ?? []
            return logs.contains { name in
                name.hasSuffix(".log")
                    && ((try? String(contentsOfFile: daemon.data.appendingPathComponent("logs/figures/\(name)").path, encoding: .utf8)) ?? "")
                        .contains("127.0.0.1:1")
            }
        }
    }
}
