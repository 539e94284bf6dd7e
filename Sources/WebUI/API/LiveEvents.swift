import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/events`: what the engine records, as it happens, as Server-Sent Events,
/// so that the panel updates without polling. `?limit=N` ends the stream after N events.
struct LiveEvents: Sendable {
    let engine: Engine

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("events") { request, context in
            _ = try context.require(.read)
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }
            return stream(limit: limit)
        }
    }

    private func stream(limit: Int?) -> Response {
        let notifications = engine.notifications(buffer: 1000)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            // A comment first, so that clients know the stream is open before anything happens.
            try await writer.write(ByteBuffer(string: ": autooptimize events\n\n"))
            var sent = 0
            for await notification in notifications {
                guard let (event, data) = Self.encode(notification) else { continue }
                try await writer.write(ByteBuffer(string: "event: \(event)\ndata: \(data)\n\n"))
                sent += 1
                if let limit, sent >= limit { break }
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
