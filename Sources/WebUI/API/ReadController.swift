import Foundation
import Hummingbird
import Scheduler

/// The `/api/v1` routes that read: any role (health: anyone, for load balancers and probes).
struct ReadController: Sendable {
    let engine: Engine
    let store: Store

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in try await health() }
        group.get("pipelines") { _, context in
            _ = try context.require(.read)
            return await pipelines()
        }
        group.get("runs") { request, context in
            _ = try context.require(.read)
            return try runs(request)
        }
        group.get("runs/:id") { request, context in
            _ = try context.require(.read)
            return try await run(request, context)
        }
    }

    private func health() async throws -> Health {
        let status = await engine.status()
        return Health(status: "ok", activeRuns: status.activeRuns, runningAttempts: status.runningAttempts, queuedTasks: status.queuedTasks)
    }

    private func pipelines() async -> PipelineList {
        let now = Date()
        let list = await engine.pipelineList().map { pipeline, state in
            PipelineSummary(
                id: pipeline.id.rawValue, description: pipeline.description, file: pipeline.source.path,
                schedule: pipeline.schedule?.text, timezone: pipeline.timeZone.identifier, paused: state.paused,
                nextRunAt: state.paused ? nil : pipeline.schedule?.nextDate(after: now, in: pipeline.timeZone).map(rfc3339),
                loadError: state.loadError, tasks: pipeline.tasks.map(\.id.rawValue),
                needs: Dictionary(uniqueKeysWithValues: pipeline.tasks.map { ($0.id.rawValue, $0.needs.map(\.rawValue)) }),
                params: pipeline.params.map(ParamView.init))
        }
        let broken = await engine.brokenFiles().mapValues { $0.map(\.description) }
        return PipelineList(pipelines: list, brokenFiles: broken)
    }

    private func runs(_ request: Request) throws -> RunPage {
        let query = request.uri.queryParameters
        var filter = Store.RunFilter()
        filter.pipeline = query.get("pipeline").map { PipelineID(String($0)) }
        if let state = query.get("state") {
            guard let parsed = RunState(rawValue: String(state)) else {
                throw APIError.badRequest("state \"\(state)\" is not one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = parsed
        }
        if let before = query.get("before") {
            guard let id = Int64(before) else { throw APIError.badRequest("before must be a run id") }
            filter.before = RunID(id)
        }
        if let limit = query.get("limit") {
            guard let value = Int(limit), (1...500).contains(value) else { throw APIError.badRequest("limit must be 1 to 500") }
            filter.limit = value
        }
        let runs = try store.runs(filter)
        return RunPage(runs: runs.map(RunSummary.init), nextBefore: runs.count == filter.limit ? runs.last?.id.rawValue : nil)
    }

    /// One run; with `?wait=SECONDS` (at most 600), answers as soon as the run ends or the wait runs out,
    /// so that CI can trigger and block on the result.
    private func run(_ request: Request, _ context: AppRequestContext) async throws -> RunDetailView {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        if let text = request.uri.queryParameters.get("wait") {
            guard let seconds = Int(text), (0...600).contains(seconds) else { throw APIError.badRequest("wait must be 0 to 600 seconds") }
            try await waitForEnd(RunID(id), seconds: seconds)
        }
        guard let detail = try store.run(RunID(id)) else { throw APIError.notFound("unknown run \(id)") }
        return RunDetailView(detail)
    }

    private func waitForEnd(_ id: RunID, seconds: Int) async throws {
        // Subscribed before looking, so that an end between the look and the wait is not missed.
        let notifications = engine.notifications(buffer: 1000)
        guard let detail = try store.run(id), !detail.run.state.isFinished else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await notification in notifications {
                    if case .runChanged(let run) = notification, run.id == id, run.state.isFinished { return }
                }
            }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            await group.next()
            group.cancelAll()
        }
    }
}
