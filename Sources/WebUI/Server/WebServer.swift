import Foundation
public import Hummingbird
public import Logging
public import Scheduler
public import HummingbirdTLS
import NIOCore
import HummingbirdCore

/// Builds the daemon's HTTP server: the API with its authentication (sessions, API tokens,
/// the local credential), role checks and audit trail.
///
/// - Parameters:
///   - tls: serve HTTPS with it (session cookies are then `Secure`); plain HTTP when `nil`.
///   - idleTimeout: a connection that sends nothing for this long while its request is
///     incomplete, or between requests, is closed: slow clients cannot hold connections
///     (a response being written, such as a live event stream, is not affected).
///   - onListening: called with the bound port once the server listens (port 0 picks a free one).
public func buildWebServer(
    engine: Engine, store: Store, host: String, port: Int, credential: LocalCredential, logger: Logger,
    staticDirectory: String? = nil, tls: TLSConfiguration? = nil, idleTimeout: Duration = .seconds(30), figures: (any FiguresProvider)? = nil,
    streams streamsProvider: (any StreamsProvider)? = nil, rejects: (any RejectsProvider)? = nil, analysis: (any AnalysisProvider)? = nil,
    alertChannels: (any AlertChannelDirectory)? = nil, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = buildRouter(
        engine: engine, store: store, credential: credential, staticDirectory: staticDirectory, secure: tls != nil, figures: figures, streams: streamsProvider,
        rejects: rejects, analysis: analysis, alertChannels: alertChannels, logger: logger)
    let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: TimeAmount(idleTimeout)))
    return Application(
        router: router,
        server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
        configuration: .init(address: .hostname(host, port: port), serverName: "autooptimize"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// Every route of the daemon, in one place (the OpenAPI document is checked against it).
public func buildRouter(
    engine: Engine, store: Store, credential: LocalCredential, staticDirectory: String? = nil, secure: Bool = false,
    figures: (any FiguresProvider)? = nil, streams streamsProvider: (any StreamsProvider)? = nil, rejects: (any RejectsProvider)? = nil,
    analysis: (any AnalysisProvider)? = nil, alertChannels: (any AlertChannelDirectory)? = nil, logger: Logger = Logger(label: "autooptimize.web")
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(secure: secure))
    router.add(middleware: UnroutedRequestMiddleware())
    if let staticDirectory {
        // The panel's files hold no data: they are served to anyone; the API they call checks who asks.
        router.add(middleware: FileMiddleware(staticDirectory, searchForIndexHtml: true, logger: logger))
    }
    let audit = AuditRecorder(store: store)
    router.add(middleware: AuthenticationMiddleware(store: store, credential: credential, audit: audit, secure: secure))
    let api = router.group("api/v1")
    api.get("openapi.json") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
    }
    let streams = OpenStreams()
    ReadController(engine: engine, store: store, streams: streams).register(on: api)
    ControlController(engine: engine, store: store, audit: audit).register(on: api)
    SessionController(store: store, audit: audit, secureCookies: secure).register(on: api)
    AccountsController(store: store, audit: audit).register(on: api)
    ObservabilityController(engine: engine, store: store, audit: audit, streams: streams).register(on: router, api: api)
    LiveEvents(engine: engine, streams: streams, figures: figures).register(on: api)
    FiguresController(figures: figures).register(on: api)
    StreamsController(streams: streamsProvider).register(on: api)
    RejectsController(store: store, rejects: rejects).register(on: api)
    AnalysisController(engine: engine, store: store, analysis: analysis).register(on: api)
    AlertsController(store: store, channels: alertChannels, audit: audit).register(on: api)
    LineageController(store: store).register(on: api)
    return router
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var response = self
        response.status = status
        return response
    }
}
