import Crypto
public import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Synchronization

/// An HTTP endpoint that takes alert webhooks as a careful receiver does: it checks `X-AutoOptimize-Signature`
/// (`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret) and the timestamp's freshness,
/// and keeps every request (delivery id, body) with whether it verified. It can answer its first requests with
/// chosen statuses (500, 429 with Retry-After) to test retries.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let delivery: String?
        public let body: Data
        public let verified: Bool
        public let status: Int
    }

    private final class Box: Sendable {
        let received = Mutex<[Received]>([])
        let answers: Mutex<[Int]>
        init(answers: [Int]) { self.answers = Mutex(answers) }
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/hook" }
    private let server: Task<Void, any Error>
    private let box: Box

    /// - Parameters:
    ///   - answers: statuses for the first requests, in order; 200 after them.
    ///   - port: 0 for a free one; a `ReservedPort`'s to bring up a receiver that was down.
    public init(secret: String, answers: [Int] = [], port: Int = 0) async throws {
        let box = Box(answers: answers)
        let key = SymmetricKey(data: Data(secret.utf8))
        let router = Router()
        router.post("/hook") { request, _ in
            let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let timestamp = request.headers[HTTPField.Name("X-AutoOptimize-Timestamp")!] ?? ""
            let signature = request.headers[HTTPField.Name("X-AutoOptimize-Signature")!] ?? ""
            var signed = Data("\(timestamp).".utf8)
            signed.append(body)
            let expected = "v1=" + HMAC<SHA256>.authenticationCode(for: signed, using: key).map { String(format: "%02x", $0) }.joined()
            let fresh = Double(timestamp).map { abs(Date().timeIntervalSince1970 - $0) < 300 } ?? false
            let status = box.answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            box.received.withLock {
                $0.append(Received(
                    delivery: request.headers[HTTPField.Name("X-AutoOptimize-Delivery")!], body: body, verified: signature == expected && fresh, status: status))
            }
            var headers = HTTPFields()
            if status == 429 { headers[.retryAfter] = "1" }
            return Response(status: .init(code: status), headers: headers)
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        (self.port, server) = try await startStandInServer(router, name: "webhook receiver", port: port, logger: logger)
        self.box = box
    }

    deinit { server.cancel() }

    public var received: [Received] { box.received.withLock { $0 } }
}
