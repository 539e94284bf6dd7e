/// Does nothing and succeeds: for tests, benchmarks, and tasks that only join branches.
public struct NoopJob: JobKind {
    public struct Settings: Decodable, Sendable {
        public init() {}
    }
    public static let kindName = "noop"
    public init(settings: Settings) {}
    public func run(in context: JobContext) async throws {}
}
