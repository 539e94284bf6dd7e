/// A kind of work a task can do: `shell`, `noop`, and the data kinds of the `Jobs` module.
///
/// A kind declares its settings as a `Decodable` type, so that a task's `with:`
/// block is checked when the pipeline file is loaded, with the file and line of
/// anything wrong. `init(settings:)` may refuse settings that decode but make no
/// sense, by throwing `JobSettingsError`.
///
/// ```swift
/// struct Greet: JobKind {
///     struct Settings: Decodable, Sendable { var name: String }
///     static let kindName = "greet"
///     let settings: Settings
///     init(settings: Settings) { self.settings = settings }
///     func run(in context: JobContext) async throws {
///         context.logger.info("hello", metadata: ["name": "\(settings.name)"])
///     }
/// }
/// ```
public protocol JobKind: Sendable {
    associatedtype Settings: Decodable & Sendable
    /// The name tasks use after `kind:`.
    static var kindName: String { get }
    init(settings: Settings) throws
    /// Does the work. Throwing fails the attempt; cancellation (timeout, a
    /// person cancelling, shutdown) arrives as ordinary Swift task cancellation.
    func run(in context: JobContext) async throws
}

/// Settings that decode but that the kind refuses, with the reason.
public struct JobSettingsError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A failed attempt with what the person on call needs to know; `exitCode` for processes.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32?
    public init(_ message: String, exitCode: Int32? = nil) {
        self.message = message
        self.exitCode = exitCode
    }
    public var description: String { message }
}
