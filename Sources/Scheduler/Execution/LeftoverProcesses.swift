import Foundation

/// Finds and kills processes an interrupted attempt left running, by the
/// `AUTOOPTIMIZE_ATTEMPT` and `AUTOOPTIMIZE_DAEMON` every shell attempt carries
/// in its environment: the pair names one attempt of one daemon (its data
/// directory, `TaskIsolation.daemonMarker`), so that another daemon on the same
/// machine never has its tasks killed.
///
/// After a `kill -9` of the daemon its children live on; killing them before
/// the retry is what keeps a task from running twice at once.
enum LeftoverProcesses {
    /// Sends SIGKILL to every process whose environment holds both markers; returns how many.
    @discardableResult
    static func kill(attempt: AttemptKey, dataDirectory: URL) -> Int {
        let needle = Array("AUTOOPTIMIZE_ATTEMPT=\(attempt.marker)\0".utf8)
        let owner = Array("AUTOOPTIMIZE_DAEMON=\(TaskIsolation.marker(for: dataDirectory))\0".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var killed = 0
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(),
                let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                case let bytes = Array(environment), contains(bytes, needle), contains(bytes, owner)
            else { continue }
            if Foundation.kill(pid, SIGKILL) == 0 { killed += 1 }
        }
        return killed
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var start = 0
        // Entries are NUL-separated; compare at each entry start only.
        while start + needle.count <= haystack.count {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
            guard let end = haystack[start...].firstIndex(of: 0) else { return false }
            start = end + 1
        }
        return false
    }
}
