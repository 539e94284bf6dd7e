import Foundation
import Scheduler
import SchedulerTesting
import Testing

/// Secrets in the settings file are pointers (`{env: …}`, `{file: …}`), never values.
@Suite struct SettingSecretTests {
    private struct Section: SettingsSection {
        static let key = "service"
        var password: SettingSecret
    }

    private func section(_ text: String) throws -> (TemporaryDirectory, Result<Section?, Diagnostic>) {
        let directory = try TemporaryDirectory()
        let path = directory.appending("settings.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, Result { () throws(Diagnostic) -> Section? in try SettingsFile(path: path).section(Section.self) })
    }

    @Test func aPasswordWrittenInTheFileIsRefusedWhereItIsWritten() throws {
        for (text, line, message) in [
            ("port: 1\nservice:\n  password: hunter2\n", 3, "never written in the settings file"),
            ("service:\n  password: {env: A, file: /b}\n", 2, "exactly one of"),
            ("service:\n  password: {}\n", 2, "exactly one of"),
            ("service:\n  password: {environment: A}\n", 2, "exactly one of env: VARIABLE or file: PATH"),
        ] {
            let (directory, result) = try section(text)
            defer { directory.remove() }
            guard case .failure(let error) = result else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(error.line == line && error.message.contains(message), "\(text): \(error)")
        }
    }

    @Test func aSecretIsReadFromTheEnvironmentOrAPrivateFile() throws {
        let (directory, result) = try section("service:\n  password: {env: ES_PASSWORD}\n")
        defer { directory.remove() }
        let secret = try #require(try result.get()).password
        #expect(try secret.resolve(environment: ["ES_PASSWORD": "s3cret"]) == "s3cret")
        #expect(throws: SettingSecretError.self) { try secret.resolve(environment: [:]) }

        let file = directory.appending("password").path
        try "from a file\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        do {
            _ = try SettingSecret(.file(file)).resolve()
            Issue.record("a secret file others can read was accepted")
        } catch {
            #expect("\(error)".contains("can be read by others"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(try SettingSecret(.file(file)).resolve() == "from a file")
        #expect(throws: SettingSecretError.self) { try SettingSecret(.file(directory.appending("missing").path)).resolve() }
    }

    @Test func everySecretOfTheFileIsFoundForScrubbing() throws {
        let text = """
            port: 1
            warehouse:
              sqlserver: {host: db, password: {env: WAREHOUSE_PASSWORD}}
            alerts:
              channels:
                - {name: a, type: webhook, url: http://h, secret: {file: /run/secrets/hook}}
            notes: {env: 1}
            """
        let (directory, _) = try section(text)
        defer { directory.remove() }
        let found = try SettingsFile(path: directory.appending("settings.yaml").path).secretReferences()
        #expect(found == [SettingSecret(.environment("WAREHOUSE_PASSWORD")), SettingSecret(.file("/run/secrets/hook")), SettingSecret(.environment("1"))])
        let scrubber = SecretScrubber(values: ["hunter2-long", "hunter2", "abc"])
        #expect(scrubber.scrub("a hunter2-long and hunter2, abc") == "a [secret] and [secret], abc", "longest first; too short to scrub")
    }
}
