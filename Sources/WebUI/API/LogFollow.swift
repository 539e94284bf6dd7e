import Foundation
import Hummingbird
import Scheduler
import ServiceLifecycle
import Synchronization

/// `GET …/log?follow=true`: an attempt's log from `offset`, then what the task writes while
/// it runs, in one streamed answer that ends when the attempt ends, so that a log page or
/// `curl -N` follows a running task without asking again and again.
///
/// The end comes from the engine's notifications; new bytes are looked for five times a
/// second with a `stat` of the local file, which costs the daemon nothing worth counting.
struct LogFollow: Sendable {
    var pollInterval: Duration = .milliseconds(200)
    let engine: Engine
    let store: Store

    /// Subscribes before looking at the attempt, so that an end between the look and the wait is not missed.
    func response(run: RunID, task: String, attempt number: Int?, offset: Int) throws -> Response {
        let notifications = engine.notifications(buffer: 100)
        guard let detail = try store.run(run) else { throw APIError.notFound("unknown run \(run)") }
        let attempts = detail.attempts.filter { $0.key.taskRun.task.rawValue == task }
        guard let attempt = number.map({ n in attempts.first { $0.key.number == n } }) ?? attempts.last else {
            throw APIError.notFound("task \"\(task)\" of run \(run) has no such attempt")
        }
        let ended = EndFlag(attempt.state != .running)
        let key = attempt.key
        let path = attempt.logPath
        let interval = pollInterval
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Attempt-State")!] = attempt.state.rawValue
        let body = ResponseBody { writer in
            var position = offset
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await notification in notifications.cancelOnGracefulShutdown() {
                        if case .attemptFinished(let finished) = notification, finished.key == key { break }
                    }
                    // Also reached when the daemon shuts down: the stream then ends with what was written.
                    ended.value.store(true, ordering: .releasing)
                }
                while true {
                    let done = ended.value.load(ordering: .acquiring)
                    for chunk in Self.chunks(of: path, from: &position) { try await writer.write(chunk) }
                    if done { break }
                    try await Task.sleep(for: interval)
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// What the file holds past `position`, in pieces of at most 64 KiB; moves `position` past them.
    private static func chunks(of path: String, from position: inout Int) -> [ByteBuffer] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), Int(size) > position else { return [] }
        try? handle.seek(toOffset: UInt64(position))
        var pieces: [ByteBuffer] = []
        while let data = try? handle.read(upToCount: 64 << 10), !data.isEmpty {
            pieces.append(ByteBuffer(bytes: data))
            position += data.count
        }
        return pieces
    }
}

/// Whether the followed attempt has ended, shared by the task that hears it and the one that writes.
private final class EndFlag: Sendable {
    let value: Atomic<Bool>
    init(_ ended: Bool) { value = Atomic(ended) }
}
