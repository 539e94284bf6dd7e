import Foundation
import SchedulerTesting
import Testing

/// The daemon over HTTPS (`--tls-cert`, `--tls-key`) and the CLI's ways of trusting it.
@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tls")
    static let certificate = fixtures.appendingPathComponent("localhost.crt").path
    static let key = fixtures.appendingPathComponent("localhost.key").path

    @Test func theDaemonServesHTTPSAndTheCommandLineTrustsItAsTold() async throws {
        let daemon = try Daemon()
        try daemon.write("p.yaml", "id: p\ntasks: [{id: a, kind: noop}]\n")
        try await daemon.start(extra: ["--tls-cert", Self.certificate, "--tls-key", Self.key])
        #expect(daemon.url.hasPrefix("https://127.0.0.1:"))

        // On the daemon's machine: the CLI trusts the certificate the daemon announced.
        let local = try await daemon.cli(["trigger", "p", "--wait", "--data", daemon.data.path])
        #expect(local.status == 0 && local.out.hasSuffix("run 1 of p: succeeded\n"), "\(local.out)\(local.err)")

        // From elsewhere: a private CA must be named, and the host name must match the certificate.
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        let port = daemon.url.split(separator: ":").last.map(String.init) ?? ""
        let remote = ["--data", daemon.root.appending("elsewhere").path, "--token", token]
        let untrusted = try await Daemon.runCLI(["pause", "p", "--url", "https://localhost:\(port)"] + remote)
        #expect(untrusted.status != 0 && untrusted.err.contains("cannot reach the daemon at https://localhost:\(port)"), "\(untrusted.err)")
        let trusted = try await Daemon.runCLI(["pause", "p", "--url", "https://localhost:\(port)", "--cacert", Self.certificate] + remote)
        #expect(trusted.status == 0 && trusted.out == "p: paused\n", "\(trusted.out)\(trusted.err)")

        // Plain HTTP to the HTTPS port gets no answer and no run.
        let plain = try await Daemon.runCLI(["trigger", "p", "--url", "http://127.0.0.1:\(port)"] + remote)
        #expect(plain.status != 0)
        let next = try await daemon.cli(["trigger", "p", "--data", daemon.data.path])
        #expect(next.out.hasPrefix("run 2 of p"), "\(next.out)\(next.err)")
    }

    @Test func aMissingKeyOrAnUnreadableCertificateStopsTheDaemonSayingWhich() async throws {
        let daemon = try Daemon()
        let noKey = try await Daemon.runCLI(["serve", "--jobs", daemon.jobs.path, "--data", daemon.data.path, "--port", "0", "--tls-cert", Self.certificate])
        #expect(noKey.status == 1 && noKey.err.contains("a TLS certificate needs its key: give --tls-key"), "\(noKey.err)")
        let missing = daemon.root.appending("missing.crt").path
        let unreadable = try await Daemon.runCLI([
            "serve", "--jobs", daemon.jobs.path, "--data", daemon.data.path, "--port", "0", "--tls-cert", missing, "--tls-key", Self.key,
        ])
        #expect(unreadable.status == 1 && unreadable.err.contains("tls certificate \(missing): cannot read the file"), "\(unreadable.err)")
        let swapped = try await Daemon.runCLI([
            "serve", "--jobs", daemon.jobs.path, "--data", daemon.data.path, "--port", "0", "--tls-cert", Self.key, "--tls-key", Self.key,
        ])
        #expect(swapped.status == 1 && swapped.err.contains("tls certificate \(Self.key): "), "\(swapped.err)")
    }
}

/// What the transport gives away: cipher suites, headers on every answer, tokens in clear.
@Suite(.timeLimit(.minutes(1))) struct TransportTests {
    /// Whether `openssl s_client` completes a TLS 1.2 handshake with `cipher` (an OpenSSL cipher name).
    private func handshake(port: String, cipher: String, in directory: TemporaryDirectory) async throws -> Bool {
        let process = try SpawnedProcess(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cipher", cipher, "-brief"],
            stdoutPath: directory.appending("out").path, stderrPath: directory.appending("err").path)
        return await process.exitStatus() == 0
    }

    /// With an RSA key and with an EC key: forward-secret AEAD suites are accepted, static-RSA key exchange and
    /// CBC suites are not.
    @Test(arguments: [("rsa-localhost", "RSA"), ("localhost", "ECDSA")])
    func tls12OffersForwardSecretAEADSuitesOnly(certificate: String, kind: String) async throws {
        let daemon = try Daemon()
        try daemon.write("p.yaml", "id: p\ntasks: [{id: a, kind: noop}]\n")
        let files = TLSTests.fixtures.appendingPathComponent(certificate)
        try await daemon.start(extra: ["--tls-cert", files.path + ".crt", "--tls-key", files.path + ".key"])
        let port = daemon.url.split(separator: ":").last.map(String.init) ?? ""
        #expect(try await handshake(port: port, cipher: "ECDHE-\(kind)-AES128-GCM-SHA256", in: daemon.root))
        #expect(try await handshake(port: port, cipher: "ECDHE-\(kind)-CHACHA20-POLY1305", in: daemon.root))
        let weak = ["ECDHE-\(kind)-AES128-SHA", "ECDHE-\(kind)-AES256-SHA"] + (kind == "RSA" ? ["AES128-SHA", "AES128-GCM-SHA256", "AES256-SHA"] : [])
        for cipher in weak {
            #expect(try await !handshake(port: port, cipher: cipher, in: daemon.root), "\(cipher) was accepted")
        }
    }

    @Test func theCommandLineWarnsBeforeSendingATokenInClearOffLoopback() async throws {
        let directory = try TemporaryDirectory("autooptimize-cli")
        defer { directory.remove() }
        // Nothing listens there: what matters is what is said before trying.
        let remote = try await Daemon.runCLI(["pause", "p", "--url", "http://0.0.0.0:1", "--token", "ao_x", "--data", directory.url.path])
        #expect(remote.err.contains("warning: sending the token in clear over http to 0.0.0.0"), "\(remote.err)")
        let local = try await Daemon.runCLI(["pause", "p", "--url", "http://127.0.0.1:1", "--token", "ao_x", "--data", directory.url.path])
        #expect(!local.err.contains("warning"), "\(local.err)")
    }
}
