import Foundation
import Hummingbird
import Scheduler

/// An API failure as JSON, `{"error": {"code", "message"}}`, with its HTTP status.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// Seconds a refused client should wait (429), sent as `Retry-After`.
    var retryAfter: Int?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(["error": ["code": code, "message": message]])
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "bad_request", message: message) }
    static func tooManyAttempts(_ message: String, retryAfter seconds: Int) -> APIError {
        var error = APIError(status: .tooManyRequests, code: "too_many_attempts", message: "\(message); try again in \(seconds) s")
        error.retryAfter = seconds
        return error
    }

    static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized", message: "missing or wrong credentials (Authorization: Bearer <token>)")

    /// The engine's refusal, with the status that fits it.
    init(_ error: EngineError) {
        switch error {
        case .unknownPipeline, .unknownRun, .unknownTask:
            self.init(status: .notFound, code: "not_found", message: error.description)
        case .badParams:
            self.init(status: .unprocessableContent, code: "bad_params", message: error.description)
        case .invalidRequest:
            self.init(status: .conflict, code: "conflict", message: error.description)
        case .shuttingDown:
            self.init(status: .serviceUnavailable, code: "shutting_down", message: error.description)
        case .storeUnavailable:
            self.init(status: .serviceUnavailable, code: "store_unavailable", message: error.description)
        }
    }

    init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}
