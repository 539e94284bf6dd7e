import Foundation
import Hummingbird
import Scheduler

/// Query parameters read strictly: a value that is present but not what the route documents is
/// a 400 naming the parameter, never silently replaced by a default.
extension Parameters {
    /// The integer `name` within `range`; `nil` when absent.
    func integer(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return value
    }

    /// Text of at most `maxLength` bytes; `nil` when absent.
    func text(_ name: String, maxLength: Int) throws(APIError) -> String? {
        guard let text = get(name) else { return nil }
        guard text.utf8.count <= maxLength else { throw APIError.badRequest("\(name) must be at most \(maxLength) bytes long") }
        return String(text)
    }

    /// `true` or `false`; `nil` when absent.
    func flag(_ name: String) throws(APIError) -> Bool? {
        guard let text = get(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("\(name) must be true or false, not \"\(text)\"")
        }
    }

    /// One of an enumeration's raw values; `nil` when absent.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, _ type: Choice.Type) throws(APIError) -> Choice?
    where Choice.RawValue == String {
        guard let text = get(name) else { return nil }
        guard let value = Choice(rawValue: text) else {
            throw APIError.badRequest("\(name) \"\(text)\" is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// An RFC 3339 time, or a day (`2025-03-01`, its midnight UTC); `nil` when absent.
    func time(_ name: String) throws(APIError) -> Date? {
        guard let text = get(name) else { return nil }
        guard let date = RFC3339.parse(text) ?? RFC3339.parse(text + "T00:00:00Z") else {
            throw APIError.badRequest("\(name) must be an RFC 3339 time like 2025-03-01T00:00:00Z or a day like 2025-03-01, not \"\(text)\"")
        }
        return date
    }
}
