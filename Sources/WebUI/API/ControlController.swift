import Foundation
import Hummingbird
import Scheduler

/// The `/api/v1` routes that change runs and pipelines: operators and admins, and tokens
/// scoped to the pipeline concerned. Each writes an audit event, refusals included.
struct ControlController: Sendable {
    typealias Context = AppRequestContext
    let engine: Engine
    let store: Store
    let audit: AuditRecorder

    func register(on group: RouterGroup<Context>) {
        group.post("pipelines/:id/runs") { request, context in try await trigger(request, context) }
        group.post("pipelines/:id/pause") { request, context in try await pause(request, context, true) }
        group.post("pipelines/:id/unpause") { request, context in try await pause(request, context, false) }
        group.post("pipelines/:id/backfill") { request, context in try await backfill(request, context) }
        group.post("runs/:id/cancel") { request, context in try await cancel(request, context) }
        group.post("runs/:id/rerun") { request, context in try await rerun(request, context) }
        group.post("runs/:id/tasks/:task/mark") { request, context in try await mark(request, context) }
        group.patch("runs/:id") { request, context in try await comment(request, context) }
    }

    private func guarded<T>(
        _ action: String, _ target: String, _ concern: Principal.Concern, _ context: Context,
        _ body: (Principal, AuditRecord) async throws -> T
    ) async throws -> T {
        try await audit.guarded(action, target: target, .operate, for: concern, context, body)
    }

    /// What acting on a run concerns: its pipeline. An unknown run concerns no pipeline a scope could allow (the
    /// engine answers 404 to anyone else); a store that cannot be read answers 500, never an unchecked action.
    private func concern(of run: RunID) throws -> Principal.Concern {
        try store.pipeline(of: run).map { .pipeline($0) } ?? .everything
    }

    /// Runs an engine request, turning its refusals into JSON errors with the right status.
    private func engineCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EngineError {
            throw APIError(error)
        }
    }

    private func runID(_ context: Context) throws -> RunID {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        return RunID(id)
    }

    private func trigger(_ request: Request, _ context: Context) async throws -> Response {
        let pipeline = PipelineID(context.parameters.get("id") ?? "")
        return try await guarded("run.trigger", "pipeline \(pipeline)", .pipeline(pipeline), context) { principal, record in
            let trigger = try await request.decodeBody(
                TriggerBody.self, context: context, shape: "a JSON object with optional \"params\", \"idempotencyKey\" and \"comment\"")
            let comment = try RunComment.validated(trigger.comment)
            let result = try await engineCall {
                try await engine.trigger(TriggerRequest(
                    pipeline: pipeline, params: trigger.params ?? [:],
                    idempotencyKey: request.headers[.init("Idempotency-Key")!] ?? trigger.idempotencyKey, requestedBy: principal.name,
                    comment: comment),
                    audit: record)
            }
            return try RunSummary(result.run).response(from: request, context: context).with(status: result.created ? .created : .ok)
        }
    }

    private func pause(_ request: Request, _ context: Context, _ paused: Bool) async throws -> PipelineStateView {
        let pipeline = PipelineID(context.parameters.get("id") ?? "")
        return try await guarded(paused ? "pipeline.pause" : "pipeline.unpause", "pipeline \(pipeline)", .pipeline(pipeline), context) { _, record in
            let state = try await engineCall { try await engine.setPaused(pipeline, paused, audit: record) }
            return PipelineStateView(id: state.id.rawValue, paused: state.paused)
        }
    }

    private func backfill(_ request: Request, _ context: Context) async throws -> RunList {
        let pipeline = PipelineID(context.parameters.get("id") ?? "")
        return try await guarded("pipeline.backfill", "pipeline \(pipeline)", .pipeline(pipeline), context) { _, record in
            let backfill = try await request.decodeBody(
                BackfillBody.self, context: context, shape: "a JSON object with \"from\" and \"to\" (RFC 3339) and optional \"params\"")
            guard let from = RFC3339.parse(backfill.from), let to = RFC3339.parse(backfill.to) else {
                throw APIError.badRequest("\"from\" and \"to\" must be RFC 3339 times like 2025-03-01T00:00:00Z")
            }
            let runs = try await engineCall {
                try await engine.backfill(BackfillRequest(pipeline: pipeline, from: from, to: to, params: backfill.params ?? [:]), audit: record)
            }
            return RunList(runs: runs.map(RunSummary.init))
        }
    }

    private func cancel(_ request: Request, _ context: Context) async throws -> RunSummary {
        let id = try runID(context)
        return try await guarded("run.cancel", "run \(id)", try concern(of: id), context) { principal, record in
            RunSummary(try await engineCall { try await engine.cancel(id, by: principal.name, audit: record) })
        }
    }

    private func rerun(_ request: Request, _ context: Context) async throws -> RunSummary {
        let id = try runID(context)
        return try await guarded("run.rerun", "run \(id)", try concern(of: id), context) { _, record in
            let rerun = try await request.decodeBody(RerunBody.self, context: context, shape: "a JSON object with an optional \"task\"")
            return RunSummary(try await engineCall { try await engine.rerun(id, from: rerun.task.map { TaskID($0) }, audit: record) })
        }
    }

    /// Writes what people say about a run (why it ran, what was found); the audit event goes in the same transaction.
    private func comment(_ request: Request, _ context: Context) async throws -> RunSummary {
        let id = try runID(context)
        return try await guarded("run.comment", "run \(id)", try concern(of: id), context) { _, record in
            let body = try await request.decodeBody(CommentBody.self, context: context, shape: "a JSON object with \"comment\": text or null")
            guard let run = try store.setComment(try RunComment.validated(body.comment), on: id, audit: record) else {
                throw APIError.notFound("unknown run \(id)")
            }
            return RunSummary(run)
        }
    }

    private func mark(_ request: Request, _ context: Context) async throws -> RunSummary {
        let id = try runID(context)
        let task = TaskID(context.parameters.get("task") ?? "")
        return try await guarded("task.mark", "run \(id) task \(task)", try concern(of: id), context) { principal, record in
            let mark = try await request.decodeBody(MarkBody.self, context: context, shape: "a JSON object with \"state\": succeeded or failed")
            guard let state = TaskRunState(rawValue: mark.state) else {
                throw APIError.badRequest("state must be succeeded or failed, not \"\(mark.state)\"")
            }
            return RunSummary(try await engineCall { try await engine.mark(id, task: task, as: state, by: principal.name, audit: record) })
        }
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
