import Foundation
import Hummingbird
import Logging
import Synchronization

/// An HTTP endpoint that takes OpenLineage events as Marquez's `POST /api/v1/lineage` does (one JSON run event a
/// request, answered 201), checks each has what the spec requires (eventType, eventTime, run.runId, job.namespace
/// and job.name, producer, schemaURL), and keeps them in arrival order. It can be away (503) for its first requests.
public final class OpenLineageReceiver: Sendable {
    private let server: Task<Void, any Error>
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/api/v1/lineage" }

    struct State: Sendable {
        var events: [Data] = []
        var violations: [String] = []
        var unavailable: Int
        var requests = 0
        var authorization: [String?] = []
    }

    public init(unavailableRequests: Int = 0) async throws {
        let shared = Box(State(unavailable: unavailableRequests))
        let router = Router()
        router.post("/api/v1/lineage") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let authorization = request.headers[.authorization]
            return shared.receive(Data(body.readableBytesView), authorization: authorization)
        }
        var logger = Logger(label: "openlineage-receiver")
        logger.logLevel = .critical
        (port, server) = try await startStandInServer(router, name: "OpenLineage receiver", logger: logger)
        box = shared
    }

    private let box: Box

    deinit { server.cancel() }

    /// The events taken (2xx), in arrival order.
    public var events: [[String: Any]] { box.withState { $0.events }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } }
    public var violations: [String] { box.withState { $0.violations } }
    public var requests: Int { box.withState { $0.requests } }
    public var authorizations: [String?] { box.withState { $0.authorization } }

    /// The state behind a class the router's closure can hold.
    private final class Box: Sendable {
        let state: Mutex<State>
        init(_ state: State) { self.state = Mutex(state) }
        func withState<T: Sendable>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

        func receive(_ body: Data, authorization: String?) -> Response {
            state.withLock { state in
                state.requests += 1
                state.authorization.append(authorization)
                if state.unavailable > 0 {
                    state.unavailable -= 1
                    return Response(status: .serviceUnavailable)
                }
                guard let event = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
                    state.violations.append("not a JSON object")
                    return Response(status: .badRequest)
                }
                let run = event["run"] as? [String: Any]
                let job = event["job"] as? [String: Any]
                for (name, present) in [
                    ("eventType", event["eventType"] is String), ("eventTime", event["eventTime"] is String), ("producer", event["producer"] is String),
                    ("schemaURL", event["schemaURL"] is String), ("run.runId", (run?["runId"] as? String)?.count == 36),
                    ("job.namespace", job?["namespace"] is String), ("job.name", job?["name"] is String),
                ] where !present {
                    state.violations.append("an event without \(name)")
                }
                state.events.append(body)
                return Response(status: .created)
            }
        }
    }
}
