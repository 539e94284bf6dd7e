public import Foundation
import Yams

/// Reads `jobs.d/*.yaml` into pipelines, or into `file:line: message` diagnostics.
///
/// Loading checks everything a file can get wrong before the engine sees it:
/// YAML syntax, unknown keys (with the near miss), kinds and their settings,
/// dependencies, cycles, cron, time zones, durations and params.
public struct PipelineLoader: Sendable {
    public let registry: JobKindRegistry
    /// The alert channels the settings define (`alerts.channels`): pipelines may route alerts to these only.
    public let alertChannels: Set<String>

    public init(registry: JobKindRegistry, alertChannels: Set<String> = []) {
        self.registry = registry
        self.alertChannels = alertChannels
    }

    /// The outcome of loading a directory: the good pipelines and, per broken file, what is wrong.
    public struct DirectoryResult: Sendable {
        public var pipelines: [Pipeline] = []
        public var failures: [String: [Diagnostic]] = [:]
        public var allDiagnostics: [Diagnostic] { failures.keys.sorted().flatMap { failures[$0]! } }

        public init(pipelines: [Pipeline] = [], failures: [String: [Diagnostic]] = [:]) {
            self.pipelines = pipelines
            self.failures = failures
        }
    }

    /// Loads every `*.yaml` and `*.yml` file of `directory`, in name order.
    public func load(directory: URL) -> DirectoryResult {
        var result = DirectoryResult()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            result.failures[directory.path] = [
                Diagnostic(file: directory.path, line: nil, message: "cannot read the pipelines directory: \(Self.reason(error))")
            ]
            return result
        }
        var owners: [PipelineID: String] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = directory.appendingPathComponent(name).path
            let display = Self.displayPath(path)
            let loaded = load(file: path, display: display)
            switch loaded {
            case .success(let pipeline):
                if let owner = owners[pipeline.id] {
                    result.failures[display] = [
                        Diagnostic(file: display, line: nil, message: "pipeline id \"\(pipeline.id)\" is already used by \(owner)")
                    ]
                } else {
                    owners[pipeline.id] = display
                    result.pipelines.append(pipeline)
                }
            case .failure(let failure):
                result.failures[display] = failure.diagnostics
            }
        }
        return result
    }

    /// Loads one file.
    public func load(file path: String, display: String? = nil) -> Result<Pipeline, LoadFailure> {
        let display = display ?? Self.displayPath(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(LoadFailure([Diagnostic(file: display, line: nil, message: "cannot read the file")]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(LoadFailure([Diagnostic(file: display, line: nil, message: "is not UTF-8 text")]))
        }
        return load(text: text, path: display)
    }

    /// Loads a pipeline from its text; `path` names it in messages and gives the default id.
    public func load(text: String, path: String) -> Result<Pipeline, LoadFailure> {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return .failure(LoadFailure([Diagnostic(file: path, line: nil, message: "the file is empty")]))
            }
            let (document, unknownKeys) = try NodeDecoder.decodeReportingUnknownKeys(
                PipelineDocument.self, from: node, context: .init())
            var builder = PipelineBuilder(path: path, text: text, registry: registry, alertChannels: alertChannels)
            let pipeline = builder.build(document)
            let diagnostics = unknownKeys.map { Diagnostic(file: path, line: $0.line, message: $0.description) } + builder.diagnostics
            if let pipeline, diagnostics.isEmpty {
                return .success(pipeline)
            }
            return .failure(LoadFailure(diagnostics.sorted { ($0.line ?? 0) < ($1.line ?? 0) }))
        } catch let error as NodeDecodingError {
            return .failure(LoadFailure([Diagnostic(file: path, line: error.line, message: error.description)]))
        } catch let error as YamlError {
            return .failure(LoadFailure([Self.diagnostic(for: error, path: path)]))
        } catch {
            return .failure(LoadFailure([Diagnostic(file: path, line: nil, message: "\(error)")]))
        }
    }

    private static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return Diagnostic(file: path, line: mark.line, message: "malformed YAML: \(what)")
        case .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return Diagnostic(file: path, line: mark.line, message: "malformed YAML: \(what)")
        default:
            return Diagnostic(file: path, line: nil, message: "malformed YAML: \(error)")
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }

    /// A path as the person running the daemon typed it: relative to the current directory when inside it.
    static func displayPath(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(current) ? String(path.dropFirst(current.count)) : path
    }
}

/// Everything wrong with one pipeline file.
public struct LoadFailure: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
