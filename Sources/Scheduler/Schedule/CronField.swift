/// The set of values one cron field allows, as a bit set.
struct CronField: Sendable, Equatable {
    enum Kind: String, Sendable {
        case minute, hour, dayOfMonth = "day-of-month", month, dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }

        /// The value of the first name (`jan` is 1, `sun` is 0).
        var firstNameValue: Int { self == .month ? 1 : 0 }
    }

    private(set) var bits: UInt64 = 0
    /// Whether the field starts with `*`; cron's day and DST rules depend on it.
    let isStar: Bool

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The allowed values in increasing order.
    var values: [Int] { (0..<64).filter { contains($0) } }

    static func parse(_ text: String, kind: Kind, in expression: String) throws(CronError) -> CronField {
        var field = CronField(isStar: text.hasPrefix("*"))
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            try field.add(String(part), kind: kind, in: expression)
        }
        if kind == .dayOfWeek, field.contains(7) {
            field.bits = (field.bits | 1) & ~(1 << 7)
        }
        return field
    }

    private mutating func add(_ part: String, kind: Kind, in expression: String) throws(CronError) {
        func fail(_ why: String) -> CronError {
            CronError(text: expression, message: "\(kind.rawValue) field \"\(part)\": \(why)")
        }
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count <= 2, !pieces[0].isEmpty else { throw fail("expected a value, a range or a step") }
        var step = 1
        if pieces.count == 2 {
            guard let parsed = Int(pieces[1]), parsed > 0 else { throw fail("step must be a positive number") }
            step = parsed
        }
        let bounds = try range(of: pieces[0], kind: kind, stepped: pieces.count == 2, fail: fail)
        for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
    }

    private func range(
        of text: String, kind: Kind, stepped: Bool, fail: (String) -> CronError
    ) throws(CronError) -> ClosedRange<Int> {
        if text == "*" { return kind == .dayOfWeek ? 0...6 : kind.range }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard ends.count <= 2 else { throw fail("a range has one \"-\"") }
        let low = try value(of: ends[0], kind: kind, fail: fail)
        let high = ends.count == 2 ? try value(of: ends[1], kind: kind, fail: fail) : (stepped ? kind.range.upperBound : low)
        guard low <= high else { throw fail("range goes backwards (\(low) > \(high))") }
        return low...high
    }

    private func value(of text: String, kind: Kind, fail: (String) -> CronError) throws(CronError) -> Int {
        if let index = kind.names.firstIndex(of: text.lowercased()) { return index + kind.firstNameValue }
        guard let number = Int(text) else {
            let names = kind.names.isEmpty ? "" : " or a name (\(kind.names.joined(separator: ", ")))"
            throw fail("\"\(text)\" is not a number\(names)")
        }
        guard kind.range.contains(number) else {
            throw fail("\(number) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
        }
        return number
    }
}
