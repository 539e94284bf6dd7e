import Foundation
import Yams

/// Decodes `Decodable` values straight from a YAML node, keeping what plain
/// decoders lose: the line of every value, and which keys were never asked
/// for (unknown keys, reported with the nearest known one).
enum NodeDecoder {
    /// Collects, across one decode, the mappings met and the keys asked of each.
    final class Context {
        struct MappingRecord {
            let path: [any CodingKey]
            let mapping: Node.Mapping
            var asked: Set<String> = []
        }
        var mappings: [MappingRecord] = []
        init() {}

        /// Keys present in a mapping but never asked for, with a near miss when one exists.
        func unknownKeys() -> [NodeDecodingError] {
            mappings.flatMap { record in
                record.mapping.compactMap { key, _ -> NodeDecodingError? in
                    guard let name = key.string, !record.asked.contains(name) else { return nil }
                    let suggestion = NearMiss.closest(to: name, among: record.asked)
                    return NodeDecodingError(
                        line: key.mark?.line, path: record.path,
                        message: "unknown key \"\(name)\"" + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? "")
                            + " (known: \(record.asked.sorted().joined(separator: ", ")))")
                }
            }
        }
    }

    /// Decodes `type`, then fails on the first unknown key.
    static func decode<T: Decodable>(_ type: T.Type, from node: Node, context: Context) throws -> T {
        let (value, unknown) = try decodeReportingUnknownKeys(type, from: node, context: context)
        if let first = unknown.first { throw first }
        return value
    }

    /// Decodes `type` and returns the unknown keys alongside, so that they can be reported with other problems.
    static func decodeReportingUnknownKeys<T: Decodable>(
        _ type: T.Type, from node: Node, context: Context
    ) throws -> (T, [NodeDecodingError]) {
        let value = try T(from: NodeValueDecoder(node: node, codingPath: [], context: context))
        return (value, context.unknownKeys())
    }
}

/// A decoding failure with the YAML line and the key path where it happened.
struct NodeDecodingError: Error, CustomStringConvertible {
    let line: Int?
    let path: [any CodingKey]
    let message: String

    var pathText: String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
    var description: String { pathText.isEmpty ? message : "\(pathText): \(message)" }
}

/// Finds the nearest known name to a misspelt one (Levenshtein distance of at most 2, or a third of the name).
enum NearMiss {
    static func closest(to name: String, among candidates: some Collection<String>) -> String? {
        let limit = max(2, name.count / 3)
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = distance(lowered, candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}

struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Node {
    /// What a message calls this node's kind.
    var kindName: String {
        switch self {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
