import Foundation
import Hummingbird
import NIOCore
import Scheduler

/// The `/api/v1` routes that read: any role (health: anyone, for load balancers and probes).
struct ReadController: Sendable {
    let engine: Engine
    let store: Store
    let streams: OpenStreams

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("health") { _, _ in try await health() }
        group.get("pipelines") { _, context in
            try await pipelines(try context.require(.read, for: .filtered))
        }
        group.get("pipelines/:id") { _, context in
            let principal = try context.require(.read, for: .pipeline(PipelineID(context.parameters.get("id") ?? "")))
            return try await pipeline(context, principal)
        }
        group.get("pipelines/:id/grid") { request, context in
            _ = try context.require(.read, for: .pipeline(PipelineID(context.parameters.get("id") ?? "")))
            return try await grid(request, context)
        }
        group.get("pipelines/:id/calendar") { request, context in
            _ = try context.require(.read, for: .pipeline(PipelineID(context.parameters.get("id") ?? "")))
            return try await calendar(request, context)
        }
        group.get("runs") { request, context in
            try runs(request, try context.require(.read, for: .filtered))
        }
        group.get("runs/:id") { request, context in
            try await run(request, context)
        }
    }

    private func health() async throws -> Health {
        let status = await engine.status()
        return Health(status: "ok", activeRuns: status.activeRuns, runningAttempts: status.runningAttempts, queuedTasks: status.queuedTasks)
    }

    /// The pipelines the principal may see; files that failed to load name no pipeline, so only unscoped principals see them.
    private func pipelines(_ principal: Principal) async throws -> PipelineList {
        let now = Date()
        let loaded = await engine.pipelineList().filter { principal.sees($0.pipeline.id) }
        let recent = try store.recentRuns(of: loaded.map(\.pipeline.id), limit: 10)
        let list = loaded.map { pipeline, state in PipelineSummary(pipeline, state: state, lastRuns: recent[pipeline.id] ?? [], now: now) }
        let broken = principal.isScoped ? [:] : await engine.brokenFiles().mapValues { $0.map(\.description) }
        return PipelineList(pipelines: list, brokenFiles: broken)
    }

    /// One pipeline with its definition; read-only roles get it with the values of `env:` masked.
    private func pipeline(_ context: AppRequestContext, _ principal: Principal) async throws -> PipelineDetail {
        let (pipeline, state) = try await loadedPipeline(context)
        let recent = try store.recentRuns(of: [pipeline.id], limit: 10)[pipeline.id] ?? []
        let definition = principal.role.allows(.operate) ? pipeline.source.text : DefinitionRedaction.maskingEnvironment(pipeline.source.text)
        return PipelineDetail(
            pipeline: PipelineSummary(pipeline, state: state, lastRuns: recent, now: Date()), taskDetails: pipeline.tasks.map(TaskView.init),
            definition: definition)
    }

    private func grid(_ request: Request, _ context: AppRequestContext) async throws -> GridPage {
        let (pipeline, _) = try await loadedPipeline(context)
        var filter = try Self.filter(request.uri.queryParameters, defaultLimit: 25)
        filter.pipeline = pipeline.id
        let rows = try store.runsWithTasks(filter)
        return GridPage(
            runs: rows.map { run, taskRuns in
                GridPage.Row(run: RunSummary(run), tasks: Dictionary(uniqueKeysWithValues: taskRuns.map { ($0.key.task.rawValue, $0.state.rawValue) }))
            },
            nextBefore: rows.count == filter.limit ? rows.last?.run.id.rawValue : nil)
    }

    /// The outcomes of the pipeline's runs per day of its time zone, for the last `days` days (default 120, at most 366).
    private func calendar(_ request: Request, _ context: AppRequestContext) async throws -> CalendarView {
        let (pipeline, _) = try await loadedPipeline(context)
        let days = try request.uri.queryParameters.integer("days", in: 1...366) ?? 120
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = pipeline.timeZone
        let today = calendar.startOfDay(for: Date())
        let end = calendar.date(byAdding: .day, value: 1, to: today) ?? today.addingTimeInterval(86_400)
        let start = calendar.date(byAdding: .day, value: 1 - days, to: today) ?? today
        let outcomes = try store.dailyOutcomes(pipeline: pipeline.id, in: start..<end, timeZone: pipeline.timeZone)
        return CalendarView(pipeline: pipeline.id.rawValue, timezone: pipeline.timeZone.identifier, days: outcomes.map(CalendarView.Day.init))
    }

    private func loadedPipeline(_ context: AppRequestContext) async throws -> (Pipeline, PipelineState) {
        let id = context.parameters.get("id") ?? ""
        guard let found = await engine.pipelineList().first(where: { $0.pipeline.id.rawValue == id }) else {
            throw APIError.notFound("unknown pipeline \(id)")
        }
        return found
    }

    private func runs(_ request: Request, _ principal: Principal) throws -> RunPage {
        let query = request.uri.queryParameters
        var filter = try Self.filter(query, defaultLimit: 50)
        filter.pipeline = query.get("pipeline").map { PipelineID(String($0)) }
        filter.scope = principal.pipelines
        let runs = try store.runs(filter)
        return RunPage(runs: runs.map(RunSummary.init), nextBefore: runs.count == filter.limit ? runs.last?.id.rawValue : nil)
    }

    /// `state`, `since`, `until` (RFC 3339 or a day, on the logical date), `before` (a run id) and `limit` (1 to 500).
    private static func filter(_ query: Parameters, defaultLimit: Int) throws -> Store.RunFilter {
        var filter = Store.RunFilter(limit: defaultLimit)
        filter.state = try query.choice("state", RunState.self)
        filter.before = try query.integer("before", in: 1...Int.max).map { RunID(Int64($0)) }
        filter.since = try query.time("since")
        filter.until = try query.time("until")
        filter.limit = try query.integer("limit", in: 1...500) ?? defaultLimit
        return filter
    }

    /// One run; with `?wait=SECONDS` (at most 600), answers as soon as the run ends or the wait runs out,
    /// so that CI can trigger and block on the result.
    private func run(_ request: Request, _ context: AppRequestContext) async throws -> RunDetailView {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        let wait = try request.uri.queryParameters.integer("wait", in: 0...600)
        let principal = try context.requireRead(run: RunID(id), in: store)
        if let seconds = wait {
            let lease = try streams.open(for: principal)
            defer { lease.close() }
            try await waitForEnd(RunID(id), seconds: seconds, channel: context.channel)
        }
        guard let detail = try store.run(RunID(id)) else { throw APIError.notFound("unknown run \(id)") }
        return RunDetailView(detail)
    }

    /// Ends with the run, after `seconds`, or when the client goes away.
    private func waitForEnd(_ id: RunID, seconds: Int, channel: any Channel) async throws {
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
            group.addTask { await ClientPresence.waitUntilGone(channel) }
            await group.next()
            group.cancelAll()
        }
    }
}
