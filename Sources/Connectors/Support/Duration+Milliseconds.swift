extension Duration {
    /// Whole milliseconds, clamped to what a C `int` timeout takes (librdkafka's and libcurl's).
    var milliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
