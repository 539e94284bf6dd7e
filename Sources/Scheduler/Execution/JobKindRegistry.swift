import Yams

/// The job kinds a daemon knows, by name. Filled by the executable, so that
/// `Scheduler` never imports the modules that define kinds (DESIGN.md).
public struct JobKindRegistry: Sendable {
    typealias Maker = @Sendable (Node?, NodeDecoder.Context) throws -> any JobKind
    private var makers: [String: Maker] = [:]

    public init() {}

    /// The kinds every daemon has: `shell` and `noop`.
    public static var builtIn: JobKindRegistry {
        var registry = JobKindRegistry()
        registry.register(ShellJob.self)
        registry.register(NoopJob.self)
        return registry
    }

    /// Adds a kind; a later registration of the same name replaces the earlier one.
    public mutating func register<Kind: JobKind>(_ kind: Kind.Type) {
        register(kind) { try Kind(settings: $0) }
    }

    /// Adds a kind that `make` builds from each task's decoded settings: a kind that needs something shared (a
    /// Kafka producer, a warehouse connection, the daemon's settings) gets it by `make` capturing it, so that no
    /// kind reaches for a global.
    public mutating func register<Kind: JobKind>(_ kind: Kind.Type, make: @escaping @Sendable (Kind.Settings) throws -> Kind) {
        makers[Kind.kindName] = { node, context in
            let settings = try NodeDecoder.decode(Kind.Settings.self, from: node ?? Node.mapping([:]), context: context)
            return try make(settings)
        }
    }

    /// The registered names, sorted.
    public var kindNames: [String] { makers.keys.sorted() }

    func maker(for name: String) -> Maker? { makers[name] }
}
