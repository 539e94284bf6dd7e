import Foundation
import SchedulerTesting
import Testing

/// The CLI as a user meets it, bad input included.
@Suite(.timeLimit(.minutes(2))) struct CommandLineTests {
    @Test func validateReportsEveryProblemWithFileAndLineAndExitsOne() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try "tasks:\n  - id: a\n    kind: shel\n  - id: b\n    kind: noop\n    needs: [c]\n"
            .write(to: root.appending("bad.yaml"), atomically: true, encoding: .utf8)
        try "tasks: [{id: a, kind: noop}]\n".write(to: root.appending("good.yaml"), atomically: true, encoding: .utf8)
        let result = try await Daemon.runCLI(["validate", "--jobs", root.path])
        #expect(result.status == 1)
        #expect(result.err.contains("bad.yaml:3: task \"a\": unknown kind \"shel\" (did you mean \"shell\"?) (kinds: africa-trends, noop, sales-clean, sales-extract, sales-simulator, seller-figures, shell, warehouse-load)\n"))
    }

    @Test func validateAcceptsTheDemoPipelines() async throws {
        let jobs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../jobs.d").standardized
        let result = try await Daemon.runCLI(["validate", "--jobs", jobs.path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("valid"))
    }

    @Test func cronPrintsTheNextFireTimesInTheZone() async throws {
        let result = try await Daemon.runCLI(["cron", "30 2 * * *", "--tz", "Europe/Paris", "--after", "2025-03-29T00:00:00Z", "--count", "3"])
        #expect(result.status == 0)
        #expect(result.out == "2025-03-29T02:30:00+01:00\n2025-03-30T03:00:00+02:00\n2025-03-31T02:30:00+02:00\n")
    }

    @Test func badCronIsRefusedWithTheReason() async throws {
        let result = try await Daemon.runCLI(["cron", "0 25 * * *"])
        #expect(result.status != 0)
        #expect(result.err.contains("hour field \"25\": 25 is out of range 0-23"))
    }

    @Test func aDataDirectoryThatCannotBeCreatedIsRefusedClearly() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try FileManager.default.createDirectory(at: root.appending("jobs.d"), withIntermediateDirectories: true)
        try "a file".write(to: root.appending("blocker"), atomically: true, encoding: .utf8)
        let result = try await Daemon.runCLI(["serve", "--jobs", root.appending("jobs.d").path, "--data", root.appending("blocker/data").path, "--port", "0"])
        #expect(result.status == 1)
        #expect(result.err.hasPrefix("autooptimize: cannot create the data directory \(root.appending("blocker/data").path)"))
    }

    @Test func aBadSettingsFileIsRefusedWithFileAndLine() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try "port: 9000\nretension: 30d\n".write(to: root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        let result = try await Daemon.runCLI(["serve", "--config", root.appending("settings.yaml").path])
        #expect(result.status == 1)
        #expect(result.err.hasPrefix("autooptimize: \(root.appending("settings.yaml").path):2: unknown key \"retension\" (did you mean \"retention\"?)"))
    }

    /// The `lake:`, `warehouse:` and `alerts:` sections' mistakes, each at its line.
    @Test(arguments: [
        ("lake:\n  webhdfs:\n    url: namenode:9870\n", 3, "url must be the namenode's http:// or https:// address"),
        ("lake:\n  webhdfs:\n    url: http://namenode:9870\n    root: relative/lake\n", 4, "root must be an absolute HDFS path"),
        ("lake:\n  webhdfs:\n    url: http://namenode:9870\n    user: \"a b\"\n", 4, "user must be an HDFS user name"),
        ("lake:\n  hdfs:\n    url: http://namenode:9870\n", 2, "unknown key \"hdfs\""),
        ("warehouse:\n  sqlserver:\n    host: sql\n    database: sales\n    user: u\n    password: hunter2\n", 6, "password"),
        ("warehouse:\n  sqlserver:\n    host: sql\n    database: sales\n    user: u\n    password: {env: P}\n    encryption: maybe\n", 7,
         "encryption must be off, request, require or strict"),
        ("warehouse:\n  sqlserver:\n    host: sql\n    database: \"sales; DROP\"\n    user: u\n    password: {env: P}\n", 4, "database must be a database name"),
        ("alerts:\n  channels:\n    - name: chat\n      type: sms\n", 4, "type must be email or webhook, not \"sms\""),
        ("alerts:\n  channels:\n    - name: chat\n      type: webhook\n      url: https://hooks.example.com/x\n      secret: hunter2\n", 6, "secret"),
        ("alerts:\n  channels:\n    - name: mail\n      type: email\n      smtp_url: smtp://mail:25\n      from: a@example.com\n      to: [\"x@y.z>\"]\n", 7,
         "\"x@y.z>\" is not an email address"),
        ("alerts:\n  throttle: often\n", 2, "throttle: \"often\" is not a duration"),
        ("alerts:\n  default: {channels: [nope]}\n", 2, "default: unknown channel \"nope\""),
    ])
    func aBadLakeWarehouseOrAlertsSectionIsRefusedAtItsLine(yaml: String, line: Int, message: String) async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try yaml.write(to: root.appending("settings.yaml"), atomically: true, encoding: .utf8)
        let result = try await Daemon.runCLI(["serve", "--config", root.appending("settings.yaml").path, "--data", root.appending("data").path])
        #expect(result.status == 1)
        let section = yaml.prefix { $0 != ":" }
        #expect(result.err.hasPrefix("autooptimize: \(root.appending("settings.yaml").path):\(line): \(section): "), "\(result.err)")
        #expect(result.err.contains(message), "\(result.err)")
    }

    /// Pipelines route alerts to the settings' channels: `validate --config` and `serve` take them, and a pipeline
    /// naming another channel is refused at its line.
    @Test func pipelinesNameTheAlertChannelsTheSettingsDefine() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let jobs = root.appending("jobs.d")
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
        try "id: p\nalerts: {channels: [chat], on: [task_failed, recovered]}\ntasks: [{id: a, kind: noop}]\n"
            .write(to: jobs.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let settings = root.appending("settings.yaml")
        try "alerts:\n  channels:\n    - name: chat\n      type: webhook\n      url: https://hooks.example.com/x\n      secret: {env: HOME}\n"
            .write(to: settings, atomically: true, encoding: .utf8)
        let valid = try await Daemon.runCLI(["validate", "--jobs", jobs.path, "--config", settings.path])
        #expect(valid.status == 0, "\(valid.err)")
        let bare = try await Daemon.runCLI(["validate", "--jobs", jobs.path])
        #expect(bare.status == 1)
        #expect(bare.err.contains("p.yaml:2: alerts: unknown channel \"chat\" (none is defined in the settings' alerts.channels)"), "\(bare.err)")
    }

    @Test func aMissingJobsDirectoryIsRefusedClearly() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let result = try await Daemon.runCLI(["serve", "--jobs", root.appending("nope").path, "--data", root.appending("data").path, "--port", "0"])
        #expect(result.status == 1)
        #expect(result.err == "autooptimize: the pipelines directory \(root.appending("nope").path) does not exist (give another with --jobs)\n")
    }

    @Test func aSecondDaemonOnTheSameDataIsRefused() async throws {
        let first = try Daemon()
        try await first.start()
        let result = try await Daemon.runCLI(["serve", "--jobs", first.jobs.path, "--data", first.data.path, "--port", "0"])
        #expect(result.status == 1)
        #expect(result.err.contains("another autooptimize daemon (pid \(first.pid)) is using the data directory"))
    }
}
