import CProcessSupport

/// Gives memory malloc keeps after frees back to the system (glibc's `malloc_trim`), so that the daemon's resident
/// size comes back down after a burst (hundreds of live streams closing) instead of staying at its peak.
public enum MemoryTrim {
    public static func now() {
        _ = cps_malloc_trim()
    }
}
