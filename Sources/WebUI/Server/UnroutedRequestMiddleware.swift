import Hummingbird

/// Requests no route answers, answered as the API answers everything: in JSON, and with
/// 405 and `Allow` (not 404) when the path exists for other methods, as HTTP asks.
struct UnroutedRequestMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard path.hasPrefix("/api/") || path == "/metrics" else { throw error }
            let allowed = Self.methods(for: path)
            guard !allowed.isEmpty else { throw APIError.notFound("no route \(path)") }
            var response = try APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed on \(path); use \(allowed.joined(separator: ", "))"
            ).response(from: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    /// The methods the API document gives for a concrete path (`{name}` segments match any one segment).
    static func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let methods = OpenAPIDocument.operations.filter { operation in
            let template = operation.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == segments.count
                && zip(template, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") ? !segment.isEmpty : pattern == segment }
        }.map { $0.method.uppercased() }
        return Array(Set(methods)).sorted()
    }
}
