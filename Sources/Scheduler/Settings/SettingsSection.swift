import Foundation
import Yams

/// A section of the daemon's settings file that a module reads itself (`kafka:`, `lake:`, `alerts:`), decoded with
/// the same located decoder as the daemon's own keys, so that its mistakes read `file:line: message` too and its
/// unknown keys are refused with the nearest known one.
///
/// ```swift
/// struct LakeSettings: SettingsSection {
///     static let key = "lake"
///     var root: String
/// }
/// let lake = try SettingsFile(path: "settings.yaml").section(LakeSettings.self)
/// ```
public protocol SettingsSection: Decodable, Sendable {
    /// Its key at the top of the settings file.
    static var key: String { get }
}

/// The settings file as read once at start; each module takes its section from it.
public struct SettingsFile: Sendable, Equatable {
    public let path: String
    let text: String

    /// - Throws: `Diagnostic` when the file cannot be read.
    public init(path: String) throws(Diagnostic) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Diagnostic(file: path, line: nil, message: "cannot read the settings file")
        }
        self.path = path
        self.text = text
    }

    /// The section `S` when the file has one.
    /// - Throws: `Diagnostic` with the file and line of what is wrong in it.
    public func section<S: SettingsSection>(_ type: S.Type) throws(Diagnostic) -> S? {
        var section: Node?
        do {
            guard case .mapping(let top)? = try Yams.compose(yaml: text), let node = top[S.key] else { return nil }
            section = node
            return try NodeDecoder.decode(S.self, from: node, context: .init())
        } catch let error as NodeDecodingError {
            throw Diagnostic(file: path, line: error.line, message: "\(S.key): \(error.description)")
        } catch let error as DecodingError {
            // A section's own check (`DecodingError.dataCorruptedError`), placed by following its coding path.
            guard case .dataCorrupted(let context) = error, let section else { throw Diagnostic(file: path, line: nil, message: "\(S.key): \(error)") }
            let place = NodeDecodingError(line: Self.node(at: context.codingPath, in: section).mark?.line, path: context.codingPath, message: context.debugDescription)
            throw Diagnostic(file: path, line: place.line, message: "\(S.key): \(place.description)")
        } catch {
            throw Diagnostic(file: path, line: nil, message: "malformed YAML: \(error)")
        }
    }

    /// The deepest node of `path` under `node` (as far as the path leads).
    private static func node(at path: [any CodingKey], in node: Node) -> Node {
        var current = node
        for key in path {
            if let index = key.intValue, case .sequence(let items) = current, items.indices.contains(index) {
                current = items[index]
            } else if case .mapping(let mapping) = current, let child = mapping[key.stringValue] {
                current = child
            } else {
                break
            }
        }
        return current
    }
}
