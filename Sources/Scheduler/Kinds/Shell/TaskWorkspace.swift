import Foundation

/// An attempt's private working directory: made fresh (mode 0700, owned by the
/// task's user) under the workspace root, removed with what is in it when the
/// attempt ends, so that tasks neither share scratch files nor start in the
/// daemon's data directory. Its name starts with the daemon's marker, so that a
/// daemon killed with `kill -9` finds what its attempts left at its next start
/// (`removeLeftovers`) without touching another daemon's on the same root.
struct TaskWorkspace: Sendable {
    let path: String

    /// - Throws: `JobFailure` when the directory cannot be made or given to the task's user.
    init(root: URL, daemonMarker: String, attempt: AttemptKey, pipeline: PipelineID, owner: TaskIdentity?) throws(JobFailure) {
        let template = root.appendingPathComponent(
            Self.prefix(daemonMarker) + "\(pipeline)-\(attempt.taskRun.run)-\(attempt.taskRun.task)-\(attempt.number)-XXXXXX").path
        var bytes = Array(template.utf8CString)
        var made = mkdtemp(&bytes) != nil
        if !made, errno == ENOENT {
            // The root is made once, when the first attempt finds it missing.
            try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            bytes = Array(template.utf8CString)
            made = mkdtemp(&bytes) != nil
        }
        guard made else {
            throw JobFailure("cannot make a working directory in \(root.path): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            let reason = String(cString: strerror(errno))
            remove()
            throw JobFailure("cannot give the working directory \(path) to \(owner.name): \(reason)")
        }
    }

    /// Most tasks leave their directory empty: one `rmdir` then, the whole tree otherwise.
    func remove() {
        if rmdir(path) != 0 { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The start of every workspace name of one daemon (twelve hex digits of its marker: enough to tell daemons apart).
    static func prefix(_ daemonMarker: String) -> String { "autooptimize-\(daemonMarker.prefix(12))-" }

    /// Removes the workspaces a daemon's earlier life left under `root` (attempts cut short by a crash never reached
    /// their `remove`). Call before the daemon's first attempt starts: every workspace of its marker is then a leftover.
    /// Returns how many were removed.
    @discardableResult
    static func removeLeftovers(root: URL, daemonMarker: String) -> Int {
        let prefix = Self.prefix(daemonMarker)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            if (try? FileManager.default.removeItem(at: root.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
