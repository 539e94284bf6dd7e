import Foundation

/// Reads and writes durations as people write them in pipeline files: `90s`, `5m`, `1h30m`, `250ms`, `2d`.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    /// Parses `text`, or returns `nil` when it is not a sequence of `<number><unit>` parts.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var total = 0.0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == String(letters) }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += value * unit.seconds
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// Formats a duration the way `parse` reads it, for messages and the CLI.
    public static func format(_ duration: Duration) -> String {
        let ms = Int64((duration.seconds * 1000).rounded())
        if ms % 1000 != 0 { return "\(ms)ms" }
        var seconds = ms / 1000
        var text = ""
        for (suffix, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60)] where seconds >= size {
            text += "\(seconds / size)\(suffix)"
            seconds %= size
        }
        if seconds > 0 || text.isEmpty { text += "\(seconds)s" }
        return text
    }
}
