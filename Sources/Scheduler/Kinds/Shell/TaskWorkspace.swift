import Foundation

/// An attempt's private working directory: made fresh (mode 0700, owned by the
/// task's user) under the workspace root, removed with what is in it when the
/// attempt ends, so that tasks neither share scratch files nor start in the
/// daemon's data directory.
struct TaskWorkspace: Sendable {
    let path: String

    /// - Throws: `JobFailure` when the directory cannot be made or given to the task's user.
    init(root: URL, attempt: AttemptKey, pipeline: PipelineID, owner: TaskIdentity?) throws(JobFailure) {
        let template = root.appendingPathComponent(
            "autooptimize-\(pipeline)-\(attempt.taskRun.run)-\(attempt.taskRun.task)-\(attempt.number)-XXXXXX").path
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
}
