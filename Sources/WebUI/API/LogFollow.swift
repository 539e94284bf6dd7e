import Foundation
import Hummingbird
import NIOCore
import Scheduler
import ServiceLifecycle
import Synchronization

/// `GET …/log?follow=true`: an attempt's log from `offset`, then what the task writes while
/// it runs, in one streamed answer that ends when the attempt ends, so that a log page or
/// `curl -N` follows a running task without asking again and again.
///
/// The end comes from the engine's notifications; new bytes are looked for five times a
/// second by reading the local file past what was sent, in pieces of 64 KiB, so that a long log
/// is never held whole in memory.
struct LogFollow: Sendable {
    var pollInterval: Duration = .milliseconds(200)
    let engine: Engine
    let store: Store

    /// Subscribes before looking at the attempt, so that an end between the look and the wait is not missed.
    /// The answer also ends when the client goes away (`channel` closes), not only when it next writes.
    func response(
        run: RunID, task: String, attempt number: Int?, offset: Int, lease: OpenStreams.Lease, channel: any Channel
    ) throws -> Response {
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
            defer { lease.close() }
            var position = offset
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await notification in notifications.cancelOnGracefulShutdown() {
                        if case .attemptFinished(let finished, _) = notification, finished.key == key { break }
                    }
                    // Also reached when the daemon shuts down: the stream then ends with what was written.
                    ended.value.store(true, ordering: .releasing)
                }
                group.addTask {
                    await ClientPresence.waitUntilGone(channel)
                    ended.value.store(true, ordering: .releasing)
                }
                while true {
                    let done = ended.value.load(ordering: .acquiring)
                    while let piece = Self.piece(of: path, at: position) {
                        try await writer.write(piece)
                        position += piece.readableBytes
                    }
                    if done { break }
                    try await Task.sleep(for: interval)
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Up to 64 KiB of the file from `position`; `nil` when there is nothing more yet (or no file yet:
    /// a log is created on the task's first output).
    private static func piece(of path: String, at position: Int) -> ByteBuffer? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(position))
        guard let data = try? handle.read(upToCount: 64 << 10), !data.isEmpty else { return nil }
        return ByteBuffer(bytes: data)
    }
}

/// Whether the followed attempt has ended, shared by the task that hears it and the one that writes.
private final class EndFlag: Sendable {
    let value: Atomic<Bool>
    init(_ ended: Bool) { value = Atomic(ended) }
}
