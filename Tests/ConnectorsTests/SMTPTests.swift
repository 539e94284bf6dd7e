import Connectors
import Foundation
import SchedulerTesting
import StandIns
import Testing

/// Our libcurl SMTP client against a real SMTP server (aiosmtpd, `SMTPPeer`): STARTTLS, login, implicit TLS, what
/// arrives, and each way a delivery fails, with whether trying again can help.
/// One test at a time: each starts a Python process, and eight at once were a burst of load on two cores.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SMTPTests {
    private static let login = (user: "alerts", password: "s3cret pass")

    private func message(subject: String = "run 7 of africa-trends failed", to: [String] = ["oncall@example.com"]) -> MailMessage {
        MailMessage(
            from: "autooptimize@example.com", to: to, subject: subject, body: "task load failed\nline two\n.\nafter a lone dot\n",
            messageID: "alert-42.1733050000@example.com", date: Date(timeIntervalSince1970: 1_733_050_000),
            headers: [("X-AutoOptimize-Delivery", "42")])
    }

    /// The peer as a client reaches it; with a login when `password` is given.
    private func server(_ peer: SMTPPeer, requireTLS: Bool = false, password: String? = nil, trusted: Bool = true) -> SMTPServer {
        SMTPServer(
            url: peer.url, requireTLS: requireTLS, username: password.map { _ in Self.login.user }, password: password,
            caFile: trusted ? SMTPPeer.certificate : nil, timeout: .seconds(10))
    }

    @Test func sendsOverStartTLSWithALogin() async throws {
        var options = SMTPPeer.Options()
        options.login = Self.login
        let peer = try await SMTPPeer(options)
        try await CurlSMTPClient().send(message(), via: server(peer, password: Self.login.password))
        let received = try #require(peer.messages().first)
        #expect(peer.messages().count == 1)
        #expect(received.encrypted)
        #expect(received.login == "alerts")
        #expect(received.mailFrom == "autooptimize@example.com")
        #expect(received.recipients == ["oncall@example.com"])
        #expect(received.header("Message-ID") == "<alert-42.1733050000@example.com>")
        #expect(received.header("Subject") == "run 7 of africa-trends failed")
        #expect(received.header("Date") == "Sun, 01 Dec 2024 10:46:40 +0000")
        #expect(received.header("X-AutoOptimize-Delivery") == "42")
        // A line holding only a dot would end DATA early if sent as it is: the body arrives whole.
        #expect(received.text == "task load failed\r\nline two\r\n.\r\nafter a lone dot\r\n")
    }

    @Test func subjectsOfAnyCharactersArriveAsEncodedWordsAndNeverAsNewHeaders() async throws {
        let peer = try await SMTPPeer()
        try await CurlSMTPClient().send(message(subject: "Zoë's run failed\r\nBcc: thief@example.com"), via: server(peer))
        let received = try #require(peer.messages().first)
        #expect(received.header("Bcc") == nil)
        #expect(received.recipients == ["oncall@example.com"])
        let subject = try #require(received.header("Subject"))
        let decoded = subject.split(separator: " ").map { word -> String in
            let inner = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(inner)).flatMap { String(data: $0, encoding: .utf8) } ?? "?"
        }.joined()
        #expect(decoded == "Zoë's run failed Bcc: thief@example.com")
    }

    @Test func implicitTLS() async throws {
        var options = SMTPPeer.Options()
        options.implicitTLS = true
        let peer = try await SMTPPeer(options)
        let tls = SMTPServer(url: "smtps://127.0.0.1:\(peer.port)", caFile: SMTPPeer.certificate, timeout: .seconds(10))
        try await CurlSMTPClient().send(message(), via: tls)
        #expect(peer.messages().first?.encrypted == true)
    }

    @Test func aWrongPasswordFailsForGood() async throws {
        var options = SMTPPeer.Options()
        options.login = Self.login
        let peer = try await SMTPPeer(options)
        let failure = await #expect(throws: SMTPFailure.self) { try await CurlSMTPClient().send(message(), via: server(peer, password: "wrong")) }
        #expect(failure?.isPermanent == true)
        #expect(failure?.message.contains("refused the user name or password") == true)
        #expect(peer.messages().isEmpty)
    }

    @Test func aCertificateThatDoesNotVerifyFailsForGood() async throws {
        let peer = try await SMTPPeer()
        let failure = await #expect(throws: SMTPFailure.self) {
            try await CurlSMTPClient().send(message(), via: server(peer, requireTLS: true, trusted: false))
        }
        #expect(failure?.isPermanent == true)
        #expect(failure?.message.contains("certificate does not verify") == true)
        #expect(peer.messages().isEmpty)
    }

    @Test func requiredTLSIsNeverDroppedForAServerWithoutIt() async throws {
        var options = SMTPPeer.Options()
        options.starttls = false
        let peer = try await SMTPPeer(options)
        let failure = await #expect(throws: SMTPFailure.self) { try await CurlSMTPClient().send(message(), via: server(peer, requireTLS: true)) }
        #expect(failure?.isPermanent == true)
        #expect(failure?.message.contains("does not offer STARTTLS") == true)
        #expect(peer.messages().isEmpty)
    }

    @Test func anUnknownRecipientFailsForGood() async throws {
        let peer = try await SMTPPeer()
        let failure = await #expect(throws: SMTPFailure.self) {
            try await CurlSMTPClient().send(message(to: ["nobody@unknown.example"]), via: server(peer))
        }
        #expect(failure?.isPermanent == true)
        #expect(failure?.reply == 550)
    }

    @Test func aDeferredMessageAndADownServerAreWorthAnotherTry() async throws {
        var options = SMTPPeer.Options()
        options.deferred = 1
        let peer = try await SMTPPeer(options)
        let client = CurlSMTPClient()
        let deferred = await #expect(throws: SMTPFailure.self) { try await client.send(message(), via: server(peer)) }
        #expect(deferred?.isPermanent == false)
        #expect(deferred?.reply == 451)
        try await client.send(message(), via: server(peer))
        #expect(peer.messages().count == 1)

        let down = ReservedPort()
        let refused = await #expect(throws: SMTPFailure.self) {
            try await client.send(message(), via: SMTPServer(url: "smtp://127.0.0.1:\(down.port)", timeout: .seconds(5)))
        }
        #expect(refused?.isPermanent == false)
    }
}
