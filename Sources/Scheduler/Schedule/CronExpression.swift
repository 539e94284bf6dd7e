/// A five-field cron expression (`minute hour day-of-month month day-of-week`), parsed once.
///
/// Fields take `*`, numbers, names (`JAN`…`DEC`, `SUN`…`SAT`), ranges `a-b`,
/// lists `a,b`, and steps `*/n`, `a-b/n`, `a/n`. Day-of-week 0 and 7 are both
/// Sunday. The macros `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly`
/// and `@yearly` (`@annually`) stand for their usual expansions.
///
/// ```swift
/// let cron = try CronExpression("*/15 9-17 * * MON-FRI")
/// let next = cron.nextDate(after: .now, in: TimeZone(identifier: "Africa/Casablanca")!)
/// ```
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    public var description: String { text }

    /// Parses `text`.
    /// - Throws: `CronError` naming the field and what is wrong with it.
    public init(_ text: String) throws(CronError) {
        let trimmed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        if expanded.hasPrefix("@") {
            throw CronError(text: text, message: "unknown macro \"\(trimmed)\" (known: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually)")
        }
        let fields = expanded.split(separator: " ").map(String.init)
        guard fields.count == 5 else {
            throw CronError(text: text, message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        self.text = trimmed
        minutes = try CronField.parse(fields[0], kind: .minute, in: text)
        hours = try CronField.parse(fields[1], kind: .hour, in: text)
        daysOfMonth = try CronField.parse(fields[2], kind: .dayOfMonth, in: text)
        months = try CronField.parse(fields[3], kind: .month, in: text)
        daysOfWeek = try CronField.parse(fields[4], kind: .dayOfWeek, in: text)
        if !daysOfMonth.isStar, daysOfWeek.isStar, !Self.someMonthHasADay(daysOfMonth, months) {
            throw CronError(text: text, message: "never fires: no month in the month field has any day of the day-of-month field")
        }
    }

    private static let macros: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    /// Whether some allowed month has some allowed day (leap years included), so that `0 0 30 2 *` is refused.
    private static func someMonthHasADay(_ days: CronField, _ months: CronField) -> Bool {
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains { month in
            months.contains(month) && (1...longest[month]).contains { days.contains($0) }
        }
    }

    /// Whether a wall-clock day matches: Vixie cron's rule, where day-of-month and
    /// day-of-week are OR-ed when both are restricted, and AND-ed when either starts with `*`.
    func matchesDay(_ day: CivilDay) -> Bool {
        guard months.contains(day.month) else { return false }
        let dom = daysOfMonth.contains(day.day)
        let dow = daysOfWeek.contains(day.weekday)
        if daysOfMonth.isStar || daysOfWeek.isStar { return dom && dow }
        return dom || dow
    }
}

/// A cron expression that cannot be parsed, with the reason.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let message: String
    public init(text: String, message: String) {
        self.text = text
        self.message = message
    }
    public var description: String { "bad cron \"\(text)\": \(message)" }
}
