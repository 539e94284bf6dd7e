import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// The settings file: the daemon's keys, the sections modules read themselves, and kinds built with what they share.
@Suite struct SettingsTests {
    private struct LakeSettings: SettingsSection {
        static let key = "lake"
        var root: String
        var partitions: Int?
    }

    private func file(_ text: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.appending("settings.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func aModuleReadsItsOwnSectionWithFileAndLineErrors() throws {
        let (directory, path) = try file("port: 9000\nlake:\n  root: /srv/lake\n  partitions: 4\n")
        defer { directory.remove() }
        let settings = try SettingsFile(path: path)
        #expect(try settings.section(LakeSettings.self)?.root == "/srv/lake")
        #expect(try DaemonSettings.load(settings, sections: [LakeSettings.key]).port == 9000)
        // Without the section declared, the daemon's own keys refuse it, as any unknown key.
        #expect(throws: Diagnostic.self) { try DaemonSettings.load(settings) }

        let (broken, brokenPath) = try file("port: 9000\nlake:\n  root: /srv/lake\n  partitons: 4\n")
        defer { broken.remove() }
        do {
            _ = try SettingsFile(path: brokenPath).section(LakeSettings.self)
            Issue.record("an unknown key in the section was accepted")
        } catch {
            #expect(error.line == 4)
            #expect(error.message.contains("lake: ") && error.message.contains("did you mean \"partitions\""), "\(error.message)")
        }
    }

    @Test func taskIsolationSettingsAreCheckedWhereTheyAreWritten() throws {
        let cases: [(String, Int, String)] = [
            ("pass_env: [HTTPS_PROXY, 'not a name']\n", 1, "is not an environment variable name"),
            ("port: 1\npass_env:\n  - AUTOOPTIMIZE_ADMIN_PASSWORD\n", 3, "the daemon's own"),
            ("run_as: 'two words'\n", 1, "run_as must be a user name"),
        ]
        for (text, line, message) in cases {
            let (directory, path) = try file(text)
            defer { directory.remove() }
            do {
                _ = try DaemonSettings.load(file: path)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line && error.message.contains(message), "\(error)")
            }
        }
        let (directory, path) = try file("run_as: etl\npass_env: [HTTPS_PROXY]\ntask_workspace: /srv/work\n")
        defer { directory.remove() }
        let settings = try DaemonSettings.load(file: path)
        #expect(settings.runAs == "etl" && settings.passEnvironment == ["HTTPS_PROXY"] && settings.taskWorkspace == "/srv/work")
    }

    /// A kind registered with a maker gets what the daemon shares (here a prefix standing for a client).
    private struct GreetingJob: JobKind {
        struct Settings: Decodable, Sendable { var name: String }
        static let kindName = "greeting"
        let text: String
        init(settings: Settings) throws { text = settings.name }
        init(settings: Settings, prefix: String) { text = prefix + settings.name }
        func run(in context: JobContext) async throws { context.log.write(text) }
    }

    @Test func aKindIsBuiltWithWhatItsMakerShares() throws {
        var registry = JobKindRegistry.builtIn
        registry.register(GreetingJob.self) { GreetingJob(settings: $0, prefix: "shared client → ") }
        let loaded = PipelineLoader(registry: registry).load(text: "id: p\ntasks: [{id: a, kind: greeting, with: {name: ana}}]\n", path: "p.yaml")
        let pipeline = try loaded.get()
        #expect((pipeline.tasks.first?.job as? GreetingJob)?.text == "shared client → ana")
    }
}
