import Foundation
import Synchronization

/// The log file of one attempt: what the job logs and what its process prints,
/// up to a size cap, after which one line says what was dropped.
///
/// The file is created on the first write, so that attempts that print nothing
/// (most no-op and many shell attempts) cost no file.
public final class AttemptLog: Sendable {
    public let path: String
    public let capBytes: Int
    private let state: Mutex<State>

    private struct State {
        /// -1 before the first write and after `close`.
        var descriptor: Int32 = -1
        var closed = false
        var written = 0
        var dropped = 0
        /// Why the file could not be opened, once it could not.
        var failure: String?
    }

    public init(path: String, capBytes: Int) {
        self.path = path
        self.capBytes = capBytes
        self.state = Mutex(State())
    }

    /// Why the log could not be written, if it could not.
    public var failure: String? { state.withLock { $0.failure } }

    private func openIfNeeded(_ state: inout State) -> Bool {
        if state.descriptor >= 0 { return true }
        guard !state.closed, state.failure == nil else { return false }
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        state.descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if state.descriptor < 0 {
            state.failure = "cannot open log file \(path): \(String(cString: strerror(errno)))"
            return false
        }
        return true
    }

    /// Appends bytes, dropping what exceeds the cap.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            guard openIfNeeded(&state) else { return }
            let room = max(0, capBytes - state.written)
            let kept = min(room, bytes.count)
            if kept > 0, let base = bytes.baseAddress {
                Self.writeAll(state.descriptor, base, kept)
                state.written += kept
            }
            state.dropped += bytes.count - kept
        }
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Notes what the cap dropped, and closes the file. Safe to call twice.
    public func close() {
        state.withLock { state in
            defer { state.closed = true }
            guard state.descriptor >= 0 else { return }
            if state.dropped > 0 {
                let note = "\n[autooptimize: log capped at \(capBytes) bytes; \(state.dropped) more bytes dropped]\n"
                note.utf8CString.withUnsafeBytes { Self.writeAll(state.descriptor, $0.baseAddress!, $0.count - 1) }
            }
            Foundation.close(state.descriptor)
            state.descriptor = -1
        }
    }

    deinit { close() }

    private static func writeAll(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) {
        var offset = 0
        while offset < count {
            let result = Foundation.write(descriptor, base + offset, count - offset)
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { return }
            offset += result
        }
    }
}
