import CProcessSupport

/// Gives memory malloc keeps after frees back to the system (glibc's `malloc_trim`), so that the daemon's resident
/// size comes back down after a burst (hundreds of live streams closing) instead of staying at its peak.
public enum MemoryTrim {
    public static func now() {
        _ = cps_malloc_trim()
    }

    /// After start-up: the executable's read-only pages that start-up touched once leave the resident set (they
    /// stay in the page cache; what is used again returns as a minor fault). Returns the bytes advised.
    @discardableResult
    public static func releaseStartupPages() -> Int {
        Int(cps_release_executable_pages())
    }
}
