/// Why the daemon could not start, said so that the person knows what to fix.
struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
