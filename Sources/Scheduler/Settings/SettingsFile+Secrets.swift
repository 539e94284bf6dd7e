import Foundation
import Yams

extension SettingsFile {
    /// Every secret the file points at, in whichever section (`{env: …}` or `{file: …}` as a mapping's only key), so
    /// that their values can be scrubbed from what the daemon shows (the log lines in an alert) without each section
    /// having to list its own.
    public func secretReferences() -> [SettingSecret] {
        guard let node = try? Yams.compose(yaml: text) else { return [] }
        var found: [SettingSecret] = []
        func walk(_ node: Node) {
            switch node {
            case .mapping(let mapping):
                if mapping.count == 1, let (key, value) = mapping.first.map({ ($0.key.string, $0.value.string) }), let key, let value, !value.isEmpty {
                    if key == "env" { found.append(SettingSecret(.environment(value))) }
                    if key == "file" { found.append(SettingSecret(.file(value))) }
                }
                for (_, value) in mapping { walk(value) }
            case .sequence(let items):
                items.forEach(walk)
            default:
                break
            }
        }
        walk(node)
        return found
    }
}

/// Replaces the values of the daemon's secrets with `[secret]` in text it shows to others.
public struct SecretScrubber: Sendable {
    private let values: [String]

    /// Values shorter than 4 characters are left alone: scrubbing every "a" would hide the text, not the secret.
    public init(values: [String]) {
        self.values = Set(values.filter { $0.count >= 4 }).sorted { $0.count > $1.count }
    }

    public func scrub(_ text: String) -> String {
        values.reduce(text) { $0.replacingOccurrences(of: $1, with: "[secret]") }
    }
}
