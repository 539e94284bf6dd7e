/// One problem found in a pipeline file, located: `jobs.d/africa.yaml:14: message`.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based; `nil` when the problem is the file as a whole.
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
