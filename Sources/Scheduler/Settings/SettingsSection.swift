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
        do {
            guard case .mapping(let top)? = try Yams.compose(yaml: text), let node = top[S.key] else { return nil }
            return try NodeDecoder.decode(S.self, from: node, context: .init())
        } catch let error as NodeDecodingError {
            throw Diagnostic(file: path, line: error.line, message: "\(S.key): \(error.description)")
        } catch {
            throw Diagnostic(file: path, line: nil, message: "malformed YAML: \(error)")
        }
    }
}
