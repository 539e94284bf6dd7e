import Hummingbird
import Logging

/// Headers that keep the panel from being framed, sniffed or made to load scripts from elsewhere, on every
/// answer, errors included (an error is turned into its response here, so that it gets them too); and
/// `Cache-Control: no-store` on what the API and `/metrics` answer, which no shared cache may keep.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Served over HTTPS: browsers are told to keep to it.
    let secure: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = try APIError(status: .internalServerError, code: "internal", message: "the daemon could not answer; see its log")
                .response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        if secure { response.headers[.init("Strict-Transport-Security")!] = "max-age=31536000" }
        let path = AuthenticationMiddleware.routedPath(request)
        if path.hasPrefix("/api/") || path == "/metrics", response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
