import Foundation

/// An exclusive lock on the data directory, so that two daemons never share one store.
struct DaemonLock {
    private let descriptor: Int32

    /// Takes the lock, or says which process holds it.
    init(dataDirectory: URL) throws(DaemonError) {
        let path = dataDirectory.appendingPathComponent("daemon.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DaemonError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw DaemonError("another autooptimize daemon (pid \(holder)) is using the data directory \(dataDirectory.path)")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.descriptor = descriptor
    }
}
