import Glibc

/// The calling thread's scheduling priority (Linux keeps a nice value per thread).
public enum ThreadPriority {
    /// Sets the calling thread's nice value: below 0 it runs before the daemon's other threads, which needs
    /// `CAP_SYS_NICE` (root, or a raised `RLIMIT_NICE`); without it the thread keeps its priority. Returns whether the
    /// request was granted.
    @discardableResult
    public static func setNice(_ nice: Int32) -> Bool {
        // PRIO_PROCESS with 0 names the calling thread on Linux, not the whole process.
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0
    }
}
