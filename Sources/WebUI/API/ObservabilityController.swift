import Foundation
import Hummingbird
import Prometheus
import Scheduler

/// `/metrics` (Prometheus text format), attempt logs by byte range, and the audit trail for auditors.
struct ObservabilityController: Sendable {
    typealias Context = AppRequestContext
    let engine: Engine
    let store: Store
    let audit: AuditRecorder
    let streams: OpenStreams

    func register(on router: Router<Context>, api: RouterGroup<Context>) {
        router.get("metrics") { _, context in
            _ = try context.require(.read)
            return try await metrics()
        }
        api.get("runs/:id/tasks/:task/log") { request, context in
            try log(request, context)
        }
        api.get("audit") { request, context in
            _ = try context.require(.audit)
            return try auditPage(request)
        }
        api.get("audit/export") { _, context in try await export(context) }
    }

    /// The engine's histograms (durations, lag) and, read now, the history's counts and the engine's queue.
    private func metrics() async throws -> Response {
        let status = await engine.status()
        let registry = engine.metrics.registry
        func gauge(_ name: String, _ help: String, _ values: [(labels: [(String, String)], value: Int)]) {
            for (labels, value) in values {
                registry.makeGauge(descriptor: .init(namespace: "autooptimize", metricName: name, unitName: "", helpText: help), labels: labels)
                    .set(Double(value))
            }
        }
        let runs = try store.runCounts()
        gauge("runs", "Runs in the history, by state.", RunState.allCases.map { ([("state", $0.rawValue)], runs[$0] ?? 0) })
        let attempts = try store.attemptCounts()
        gauge("attempts", "Attempts in the history, by state.", AttemptState.allCases.map { ([("state", $0.rawValue)], attempts[$0] ?? 0) })
        gauge("active_runs", "Runs the engine is driving now.", [([], status.activeRuns)])
        gauge("running_attempts", "Attempts running now.", [([], status.runningAttempts)])
        gauge("queued_tasks", "Task runs ready and waiting for a slot (the queue's depth).", [([], status.queuedTasks)])
        gauge("timers", "Timers armed (cron instants, retries, timeouts).", [([], status.timers)])
        gauge("open_streams", "Answers held open now: live events, followed logs, waits.", [([], streams.count)])
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    /// `?attempt=N` (default the latest), `offset` and `length` in bytes; `X-Log-Size` gives the size so far.
    /// `follow=true` streams the log from `offset` until the attempt ends (`LogFollow`).
    private func log(_ request: Request, _ context: Context) throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.badRequest("run id must be a number") }
        let task = context.parameters.get("task") ?? ""
        let query = request.uri.queryParameters
        let number = try query.integer("attempt", in: 1...Int.max)
        let offset = try query.integer("offset", in: 0...Int.max) ?? 0
        let length = try query.integer("length", in: 0...(1 << 20)) ?? (1 << 20)
        let follow = try query.flag("follow") == true
        let principal = try context.requireRead(run: RunID(id), in: store)
        if follow {
            return try LogFollow(engine: engine, store: store).response(
                run: RunID(id), task: task, attempt: number, offset: offset, lease: try streams.open(for: principal), channel: context.channel)
        }
        guard let detail = try store.run(RunID(id)) else { throw APIError.notFound("unknown run \(id)") }
        let attempts = detail.attempts.filter { $0.key.taskRun.task.rawValue == task }
        guard let attempt = number.map({ n in attempts.first { $0.key.number == n } }) ?? attempts.last else {
            throw APIError.notFound("task \"\(task)\" of run \(id) has no such attempt")
        }
        let handle = FileHandle(forReadingAtPath: attempt.logPath)
        defer { try? handle?.close() }
        let size = Int((try? handle?.seekToEnd()) ?? 0)
        try? handle?.seek(toOffset: UInt64(min(offset, size)))
        let bytes = (try? handle?.read(upToCount: length)) ?? nil
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.init("X-Log-Size")!] = String(size)
        headers[.init("X-Attempt-State")!] = attempt.state.rawValue
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes ?? Data())))
    }

    struct AuditView: ResponseEncodable {
        let id: Int64
        let at: String
        let actor: String
        let role: String
        let action: String
        let target: String
        let address: String
        let outcome: String
        let hash: String

        init(_ event: AuditEvent) {
            id = event.id
            at = rfc3339(event.at)
            actor = event.actor
            role = event.role
            action = event.action
            target = event.target
            address = event.address
            outcome = event.outcome
            hash = event.hash
        }
    }

    struct AuditPage: ResponseEncodable {
        let events: [AuditView]
        let nextAfter: Int64?
    }

    private func auditPage(_ request: Request) throws -> AuditPage {
        let query = request.uri.queryParameters
        let after = Int64(try query.integer("after", in: 0...Int.max) ?? 0)
        let limit = try query.integer("limit", in: 1...1000) ?? 100
        let events = try store.auditEvents(after: after, limit: limit)
        return AuditPage(events: events.map(AuditView.init), nextAfter: events.count == limit ? events.last?.id : nil)
    }

    /// The whole trail as JSON lines, with the chain's verification in `X-Audit-Chain`. The export itself is audited.
    private func export(_ context: Context) async throws -> Response {
        try await audit.guarded("audit.export", target: "audit trail", .audit, context) { _, _ in
            let broken = try store.verifyAuditChain()
            var body = ByteBuffer()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var after: Int64 = 0
            while true {
                let page = try store.auditEvents(after: after, limit: 1000)
                for event in page {
                    body.writeBytes(try encoder.encode(AuditView(event)))
                    body.writeString("\n")
                }
                guard let last = page.last, page.count == 1000 else { break }
                after = last.id
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson"
            headers[.contentDisposition] = "attachment; filename=\"autooptimize-audit.jsonl\""
            headers[.init("X-Audit-Chain")!] = broken.map { "broken at \($0)" } ?? "intact"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
    }
}
