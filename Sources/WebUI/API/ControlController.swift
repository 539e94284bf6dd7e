import Foundation
import Hummingbird
import Scheduler

/// The `/api/v1` routes that change state. Until users and tokens exist (issue 3), each
/// requires the daemon's local credential, which only its own user can read on its machine.
struct ControlController: Sendable {
    let engine: Engine
    let credential: LocalCredential

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.post("pipelines/:id/runs") { request, context in try await trigger(request, context) }
        group.post("pipelines/:id/pause") { request, context in try await pause(request, context, true) }
        group.post("pipelines/:id/unpause") { request, context in try await pause(request, context, false) }
        group.post("pipelines/:id/backfill") { request, context in try await backfill(request, context) }
        group.post("runs/:id/cancel") { request, context in try await cancel(request, context) }
        group.post("runs/:id/rerun") { request, context in try await rerun(request, context) }
        group.post("runs/:id/tasks/:task/mark") { request, context in try await mark(request, context) }
    }

    private func authorize(_ request: Request) throws {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            credential.matches(String(header.dropFirst("Bearer ".count)))
        else { throw APIError.unauthorized }
    }

    /// Runs an engine request, turning its refusals into JSON errors with the right status.
    private func engineCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EngineError {
            throw APIError(error)
        }
    }

    private func body<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext, _ shape: String) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch {
            throw APIError.badRequest("the body is not \(shape)")
        }
    }

    private func runID(_ context: BasicRequestContext) throws -> RunID {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        return RunID(id)
    }

    private func trigger(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        let trigger = try await body(TriggerBody.self, request, context, "a JSON object with optional \"params\" and \"idempotencyKey\"")
        let result = try await engineCall {
            try await engine.trigger(TriggerRequest(
                pipeline: PipelineID(context.parameters.get("id") ?? ""), params: trigger.params ?? [:],
                idempotencyKey: request.headers[.init("Idempotency-Key")!] ?? trigger.idempotencyKey, requestedBy: "local admin"))
        }
        return try RunSummary(result.run).response(from: request, context: context).with(status: result.created ? .created : .ok)
    }

    private func pause(_ request: Request, _ context: BasicRequestContext, _ paused: Bool) async throws -> PipelineStateView {
        try authorize(request)
        let state = try await engineCall { try await engine.setPaused(PipelineID(context.parameters.get("id") ?? ""), paused) }
        return PipelineStateView(id: state.id.rawValue, paused: state.paused)
    }

    private func backfill(_ request: Request, _ context: BasicRequestContext) async throws -> RunList {
        try authorize(request)
        let backfill = try await body(BackfillBody.self, request, context, "a JSON object with \"from\" and \"to\" (RFC 3339) and optional \"params\"")
        guard let from = try? Date(backfill.from, strategy: .iso8601), let to = try? Date(backfill.to, strategy: .iso8601) else {
            throw APIError.badRequest("\"from\" and \"to\" must be RFC 3339 times like 2025-03-01T00:00:00Z")
        }
        let runs = try await engineCall {
            try await engine.backfill(BackfillRequest(
                pipeline: PipelineID(context.parameters.get("id") ?? ""), from: from, to: to, params: backfill.params ?? [:]))
        }
        return RunList(runs: runs.map(RunSummary.init))
    }

    private func cancel(_ request: Request, _ context: BasicRequestContext) async throws -> RunSummary {
        try authorize(request)
        let id = try runID(context)
        return RunSummary(try await engineCall { try await engine.cancel(id, by: "local admin") })
    }

    private func rerun(_ request: Request, _ context: BasicRequestContext) async throws -> RunSummary {
        try authorize(request)
        let id = try runID(context)
        let rerun = try await body(RerunBody.self, request, context, "a JSON object with an optional \"task\"")
        return RunSummary(try await engineCall { try await engine.rerun(id, from: rerun.task.map { TaskID($0) }) })
    }

    private func mark(_ request: Request, _ context: BasicRequestContext) async throws -> RunSummary {
        try authorize(request)
        let id = try runID(context)
        let mark = try await body(MarkBody.self, request, context, "a JSON object with \"state\": succeeded or failed")
        guard let state = TaskRunState(rawValue: mark.state) else {
            throw APIError.badRequest("state must be succeeded or failed, not \"\(mark.state)\"")
        }
        let task = TaskID(context.parameters.get("task") ?? "")
        return RunSummary(try await engineCall { try await engine.mark(id, task: task, as: state, by: "local admin") })
    }
}

struct BackfillBody: Decodable {
    let from: String
    let to: String
    let params: [String: ParamValue]?
}

struct RerunBody: Decodable {
    let task: String?
}

struct MarkBody: Decodable {
    let state: String
}

struct PipelineStateView: ResponseEncodable {
    let id: String
    let paused: Bool
}

struct RunList: ResponseEncodable {
    let runs: [RunSummary]
}
