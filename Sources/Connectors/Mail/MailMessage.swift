public import Foundation

/// A plain-text email as RFC 5322 wants it on the wire: CRLF line ends, a subject of any characters as RFC 2047
/// encoded words, the body in UTF-8 as base64 (no line of it can be longer than 998 bytes, start a `.` line or carry a
/// bare CR), and a `Message-ID` the caller chooses, so that a repeated delivery can be recognised as the same message.
public struct MailMessage: Sendable {
    public let from: String
    public let to: [String]
    public let subject: String
    public let body: String
    /// Without the angle brackets: `alert-42.1733050000@example.com`.
    public let messageID: String
    public let date: Date
    /// More headers (`X-AutoOptimize-Delivery`); names and values must not hold line breaks.
    public let headers: [(String, String)]

    public init(from: String, to: [String], subject: String, body: String, messageID: String, date: Date, headers: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
        self.headers = headers
    }

    /// The message as sent after SMTP's DATA.
    public var wireBytes: [UInt8] {
        var lines = [
            "From: <\(from)>",
            "To: " + to.map { "<\($0)>" }.joined(separator: ", "),
            "Subject: " + Self.encodedHeaderValue(subject),
            "Date: " + Self.rfc5322Date(date),
            "Message-ID: <\(Self.withoutLineBreaks(messageID))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        lines += headers.map { "\(Self.withoutLineBreaks($0.0)): \(Self.withoutLineBreaks($0.1))" }
        var text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8).base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            text += encoded[index..<end] + "\r\n"
            index = end
        }
        return Array(text.utf8)
    }

    /// Printable ASCII as it is; anything else as `=?UTF-8?B?…?=` words of at most 75 characters, folded.
    static func encodedHeaderValue(_ value: String) -> String {
        let flat = withoutLineBreaks(value)
        if flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) && flat.utf8.count <= 900 { return flat }
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in flat.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            // 45 bytes of UTF-8 make 60 of base64: with `=?UTF-8?B?` and `?=`, 72 characters a word.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Line breaks in a header would start another header (header injection): they become spaces.
    static func withoutLineBreaks(_ text: String) -> String {
        String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
