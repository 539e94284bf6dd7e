import CProcessSupport

/// Gives memory malloc keeps after frees back to the system (glibc's `malloc_trim`), so that the daemon's resident
/// size comes back down after a burst (hundreds of live streams closing) instead of staying at its peak.
public enum MemoryTrim {
    public static func now() {
        _ = cps_malloc_trim()
    }

    /// Large buffers (1 MiB and more) each in a mapping of their own, returned to the system when freed. glibc's
    /// default threshold rises to the size of each large buffer freed (up to 32 MiB), after which such buffers come
    /// from malloc's heaps and stay there, fragmented, once freed: the stream worker's batches (a few MiB each, made
    /// and freed on several threads) kept its peak 30–40 MB higher (`bench stream`: 170–197 MB against 144–151).
    /// Call once, at start.
    public static func mapLargeBuffers() {
        _ = cps_malloc_map_from(1 << 20)
    }

    /// After start-up: the executable's read-only pages that start-up touched once leave the resident set (they
    /// stay in the page cache; what is used again returns as a minor fault). Returns the bytes advised.
    @discardableResult
    public static func releaseStartupPages() -> Int {
        Int(cps_release_executable_pages())
    }
}
