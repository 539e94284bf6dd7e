import Foundation
import Hummingbird
import NIOCore
import Scheduler
import ServiceLifecycle

/// `GET /api/v1/events`: what the engine records, as it happens, as Server-Sent Events,
/// so that the panel updates without polling. `?limit=N` ends the stream after N events.
///
/// A comment line goes out every `heartbeat` even when nothing happens: writing is how a
/// server learns that a client has gone, and an open stream must not hold up shutdown.
struct LiveEvents: Sendable {
    var heartbeat: Duration = .seconds(15)

    let engine: Engine
    let streams: OpenStreams
    /// Live figures, whose changes go out as `figures` events (the group and its pipeline).
    var figures: (any FiguresProvider)?

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("events") { request, context in
            let principal = try context.require(.read, for: .filtered)
            let limit = try request.uri.queryParameters.integer("limit", in: 1...1_000_000)
            return stream(limit: limit, for: principal, lease: try streams.open(for: principal), channel: context.channel)
        }
    }

    /// Ends when `limit` events were sent, the daemon shuts down, or the client goes away (its connection closes:
    /// an abandoned stream does not wait for its next heartbeat to be found out).
    private func stream(limit: Int?, for principal: Principal, lease: OpenStreams.Lease, channel: any Channel) -> Response {
        let notifications = engine.notifications(buffer: 1000)
        let figureChanges = figures?.figureChanges()
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            defer { lease.close() }
            // A comment first, so that clients know the stream is open before anything happens.
            try await writer.write(ByteBuffer(string: ": autooptimize events\n\n"))
            // One stream of what to write: events (ended by graceful shutdown) and heartbeats (nil).
            let (lines, continuation) = AsyncStream.makeStream(of: String?.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await notification in notifications.cancelOnGracefulShutdown() {
                        guard let visible = Self.visible(notification, to: principal) else { continue }
                        if let (event, data) = Self.encode(visible) { continuation.yield("event: \(event)\ndata: \(data)\n\n") }
                    }
                    continuation.finish()
                }
                if let figureChanges {
                    group.addTask {
                        for await change in figureChanges.cancelOnGracefulShutdown() where principal.sees(change.pipeline) {
                            continuation.yield("event: figures\ndata: {\"group\":\(Self.quoted(change.group)),\"pipeline\":\(Self.quoted(change.pipeline.rawValue))}\n\n")
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeat)
                        continuation.yield(nil)
                    }
                }
                group.addTask {
                    await ClientPresence.waitUntilGone(channel)
                    continuation.finish()
                }
                var sent = 0
                for await line in lines {
                    try await writer.write(ByteBuffer(string: line ?? ": heartbeat\n\n"))
                    if line != nil { sent += 1 }
                    if let limit, sent >= limit { break }
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// What of `notification` a principal limited to some pipelines may hear: their own pipelines' events, and of a
    /// reload the pipelines it sees (never other files' load errors).
    static func visible(_ notification: EngineNotification, to principal: Principal) -> EngineNotification? {
        guard principal.isScoped else { return notification }
        if case .pipelinesLoaded(let loaded, _) = notification {
            return .pipelinesLoaded(loaded: loaded.filter(principal.sees), failures: [])
        }
        guard let pipeline = notification.pipeline, principal.sees(pipeline) else { return nil }
        return notification
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    private static func encode(_ notification: EngineNotification) -> (String, String)? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded: Data?
        let name: String
        switch notification {
        case .runChanged(let run):
            name = "run"
            encoded = try? encoder.encode(RunSummary(run))
        case .taskRunChanged(let taskRun, _):
            name = "task"
            encoded = try? encoder.encode(TaskEvent(run: taskRun.key.run.rawValue, task: taskRun.key.task.rawValue, state: taskRun.state.rawValue, reason: taskRun.reason))
        case .attemptStarted(let attempt, _), .attemptFinished(let attempt, _):
            name = "attempt"
            encoded = try? encoder.encode(AttemptEvent(
                run: attempt.key.taskRun.run.rawValue, task: attempt.key.taskRun.task.rawValue, number: attempt.key.number,
                state: attempt.state.rawValue))
        case .pipelinesLoaded(let loaded, let failures):
            name = "pipelines"
            encoded = try? encoder.encode(PipelinesEvent(loaded: loaded.map(\.rawValue), failures: failures.map(\.description)))
        }
        return encoded.map { (name, String(decoding: $0, as: UTF8.self)) }
    }

    private struct TaskEvent: Encodable {
        let run: Int64
        let task: String
        let state: String
        let reason: String?
    }

    private struct AttemptEvent: Encodable {
        let run: Int64
        let task: String
        let number: Int
        let state: String
    }

    private struct PipelinesEvent: Encodable {
        let loaded: [String]
        let failures: [String]
    }
}
