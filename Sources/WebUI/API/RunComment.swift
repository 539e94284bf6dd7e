import Foundation

/// What people write on a run: checked the same way when a run is triggered and when its comment is edited.
enum RunComment {
    static let maximumLength = 2000
    /// The JSON Schema pattern of the same rule, for the API document: no control characters but tab and newline.
    static let pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]*$"

    /// The comment to store: trimmed, nil when empty.
    /// - Throws: a 400 naming the rule broken, for text too long or with control characters (which would garble
    ///   the panel and the audit export).
    static func validated(_ text: String?) throws(APIError) -> String? {
        guard let text else { return nil }
        if text.unicodeScalars.count > maximumLength {
            throw APIError.badRequest("comment must be at most \(maximumLength) characters, not \(text.unicodeScalars.count)")
        }
        if let bad = text.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }) {
            throw APIError.badRequest("comment must not contain control characters (found U+\(String(format: "%04X", bad.value)))")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

struct CommentBody: Decodable {
    /// null or empty clears the comment; the key must be there, so that a misspelt body clears nothing.
    let comment: String?

    private enum CodingKeys: String, CodingKey { case comment }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.comment) else {
            throw DecodingError.keyNotFound(CodingKeys.comment, .init(codingPath: [], debugDescription: "\"comment\" is required (null clears it)"))
        }
        comment = try container.decodeIfPresent(String.self, forKey: .comment)
    }
}
