public import Foundation
public import Logging
public import ServiceLifecycle

/// Reloads `jobs.d` whenever a file in it changes, and hands the result to the engine.
///
/// Changes are noticed with inotify, on a thread of its own that blocks in
/// `poll`, never on the cooperative pool. A burst of writes (an editor saving)
/// is settled for `quietPeriod` before one reload. A broken file is reported by
/// the loader; the engine keeps its last good version.
public struct PipelineWatcher: Service {
    public let directory: URL
    public let loader: PipelineLoader
    public let quietPeriod: Duration
    let onLoad: @Sendable (PipelineLoader.DirectoryResult) -> Void
    let logger: Logger

    public init(
        directory: URL, loader: PipelineLoader, quietPeriod: Duration = .milliseconds(150), logger: Logger,
        onLoad: @escaping @Sendable (PipelineLoader.DirectoryResult) -> Void
    ) {
        self.directory = directory
        self.loader = loader
        self.quietPeriod = quietPeriod
        self.logger = logger
        self.onLoad = onLoad
    }

    public func run() async throws {
        let changes = try DirectoryChanges(directory: directory.path)
        defer { changes.close() }
        let stream = changes.stream()
        // A change made between the daemon's first load and this watch would otherwise go unseen.
        onLoad(loader.load(directory: directory))
        // Ends on graceful shutdown: the stream finishes when `close` wakes the thread.
        for await _ in stream.cancelOnGracefulShutdown() {
            try? await Task.sleep(for: quietPeriod)
            changes.drain()
            logger.debug("pipelines directory changed", metadata: [LogKey.path: "\(directory.path)"])
            onLoad(loader.load(directory: directory))
        }
    }
}

/// inotify on one directory, read on a dedicated thread.
final class DirectoryChanges: Sendable {
    private let inotify: Int32
    private let stopPipe: (read: Int32, write: Int32)

    init(directory: String) throws {
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw JobFailure("cannot watch \(directory): \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE)
        guard inotify_add_watch(inotify, directory, mask) >= 0 else {
            let reason = String(cString: strerror(errno))
            Foundation.close(inotify)
            throw JobFailure("cannot watch \(directory): \(reason)")
        }
        var descriptors: [Int32] = [-1, -1]
        pipe(&descriptors)
        stopPipe = (descriptors[0], descriptors[1])
    }

    /// One element per burst of changes; finishes when `close` is called.
    func stream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let inotify = self.inotify
        let stop = stopPipe.read
        Thread.detachNewThread {
            var descriptors = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            while true {
                guard poll(&descriptors, 2, -1) >= 0 || errno == EINTR else { break }
                if descriptors[1].revents != 0 { break }
                if descriptors[0].revents != 0 {
                    Self.discard(inotify)
                    continuation.yield()
                }
            }
            continuation.finish()
        }
        return stream
    }

    /// Reads away events that arrived during the quiet period.
    func drain() { Self.discard(inotify) }

    func close() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
    }

    deinit {
        Foundation.close(inotify)
        Foundation.close(stopPipe.read)
        Foundation.close(stopPipe.write)
    }

    private static func discard(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
