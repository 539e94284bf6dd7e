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
        makers[Kind.kindName] = { node, context in
            let settings = try NodeDecoder.decode(Kind.Settings.self, from: node ?? Node.mapping([:]), context: context)
            return try Kind(settings: settings)
        }
    }

    /// The registered names, sorted.
    public var kindNames: [String] { makers.keys.sorted() }

    func maker(for name: String) -> Maker? { makers[name] }
}
