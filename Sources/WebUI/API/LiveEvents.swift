import Foundation
import Hummingbird
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

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("events") { request, context in
            _ = try context.require(.read)
            let limit = try request.uri.queryParameters.integer("limit", in: 1...1_000_000)
            return stream(limit: limit)
        }
    }

    private func stream(limit: Int?) -> Response {
        let notifications = engine.notifications(buffer: 1000)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            // A comment first, so that clients know the stream is open before anything happens.
            try await writer.write(ByteBuffer(string: ": autooptimize events\n\n"))
            // One stream of what to write: events (ended by graceful shutdown) and heartbeats (nil).
            let (lines, continuation) = AsyncStream.makeStream(of: String?.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await notification in notifications.cancelOnGracefulShutdown() {
                        if let (event, data) = Self.encode(notification) { continuation.yield("event: \(event)\ndata: \(data)\n\n") }
                    }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeat)
                        continuation.yield(nil)
                    }
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

    private static func encode(_ notification: EngineNotification) -> (String, String)? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded: Data?
        let name: String
        switch notification {
        case .runChanged(let run):
            name = "run"
            encoded = try? encoder.encode(RunSummary(run))
        case .taskRunChanged(let taskRun):
            name = "task"
            encoded = try? encoder.encode(TaskEvent(run: taskRun.key.run.rawValue, task: taskRun.key.task.rawValue, state: taskRun.state.rawValue, reason: taskRun.reason))
        case .attemptStarted(let attempt), .attemptFinished(let attempt):
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
