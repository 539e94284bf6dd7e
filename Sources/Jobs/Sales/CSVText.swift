import Foundation

/// CSV as RFC 4180 writes it: a field quoted only when it holds a comma, a quote or a line break (quotes doubled).
enum CSVText {
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record and its line break (LF).
    static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }
}
