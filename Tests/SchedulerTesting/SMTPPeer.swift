import Foundation

/// A real SMTP server for the tests: aiosmtpd (PyPI) run by `Peers/smtp_server.py`, with STARTTLS on the tests'
/// `localhost` certificate and, when asked, a required login. It keeps each message it accepts on disk; `messages()`
/// reads them back with their envelope.
public final class SMTPPeer: @unchecked Sendable {
    public struct Options: Sendable {
        public var port = 0
        public var starttls = true
        public var requireStartTLS = false
        public var implicitTLS = false
        public var login: (user: String, password: String)?
        /// Answer the first this many messages with 451 (try again later).
        public var deferred = 0
        public init() {}
    }

    /// A message as the server accepted it.
    public struct Received: Sendable {
        public let mailFrom: String
        public let recipients: [String]
        /// Whether the session was encrypted (STARTTLS or implicit TLS) when the message was sent.
        public let encrypted: Bool
        public let login: String?
        /// The bytes after DATA.
        public let raw: String

        /// A header's value, unfolded (the last of its name).
        public func header(_ name: String) -> String? {
            let head = raw.components(separatedBy: "\r\n\r\n").first ?? ""
            var value: String?
            var current: String?
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t") {
                    if current != nil { value = (value ?? "") + line }
                    continue
                }
                let parts = line.split(separator: ":", maxSplits: 1)
                current = parts.count == 2 && parts[0].lowercased() == name.lowercased() ? String(parts[0]) : nil
                if current != nil { value = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return value
        }

        /// The body decoded from base64 (as our messages send it).
        public var text: String? {
            let parts = raw.components(separatedBy: "\r\n\r\n")
            guard parts.count > 1, let data = Data(base64Encoded: parts.dropFirst().joined(separator: "\r\n\r\n"), options: .ignoreUnknownCharacters) else { return nil }
            return String(data: data, encoding: .utf8)
        }
    }

    /// The tests' self-signed `localhost` certificate: give it to the client as its CA file.
    public static let certificate = fixtures.appendingPathComponent("localhost.crt").path
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EndToEndTests/Fixtures/tls").standardizedFileURL
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/smtp_server.py").path

    public let port: Int
    private let process: SpawnedProcess
    private let directory: TemporaryDirectory

    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// Starts the server and returns once it listens.
    public init(_ options: Options = Options()) async throws {
        directory = try TemporaryDirectory("smtp-peer")
        let out = directory.appending("messages")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var arguments = ["python3", Self.script, "--out", out.path, "--port", String(options.port), "--defer", String(options.deferred)]
        if options.starttls || options.implicitTLS {
            arguments += ["--cert", Self.certificate, "--key", Self.fixtures.appendingPathComponent("localhost.key").path]
        }
        if options.implicitTLS { arguments.append("--implicit-tls") }
        if options.requireStartTLS { arguments.append("--require-starttls") }
        if let login = options.login { arguments += ["--user", login.user, "--password", login.password] }
        let stdout = directory.appending("stdout").path
        process = try SpawnedProcess(
            URL(fileURLWithPath: "/usr/bin/env"), arguments, stdoutPath: stdout, stderrPath: directory.appending("stderr").path)
        var port = 0
        let process = self.process
        let directory = self.directory
        try await eventually(within: 20, "the SMTP server to listen (stderr: \(directory.appending("stderr").path))") {
            guard process.isRunning else {
                let said = (try? String(contentsOf: directory.appending("stderr"), encoding: .utf8)) ?? ""
                throw SpawnFailure(description: "the SMTP server (aiosmtpd: pip install aiosmtpd) exited: \(said.suffix(600))")
            }
            let text = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return false }
            port = Int(line.dropFirst("listening on ".count)) ?? 0
            return port > 0
        }
        self.port = port
    }

    deinit {
        process.stop(SIGKILL)
        directory.remove()
    }

    /// Stops the server (a mail server that goes away).
    public func stop() { process.stop(SIGKILL) }

    /// The messages accepted so far, in the order accepted.
    public func messages() -> [Received] {
        let out = directory.appending("messages")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let base = out.appendingPathComponent(String(name.dropLast(5)))
            guard let details = try? JSONSerialization.jsonObject(with: Data(contentsOf: base.appendingPathExtension("json"))) as? [String: Any],
                let raw = try? String(contentsOf: base.appendingPathExtension("eml"), encoding: .utf8)
            else { return nil }
            return Received(
                mailFrom: details["mail_from"] as? String ?? "", recipients: details["rcpt_tos"] as? [String] ?? [],
                encrypted: details["tls"] as? Bool ?? false, login: details["login"] as? String, raw: raw)
        }
    }
}
