/// A calendar day in the proleptic Gregorian calendar, computed with integer
/// arithmetic (Howard Hinnant's `civil_from_days`) so that cron matching never
/// depends on `Calendar`'s handling of skipped or repeated local times.
struct CivilDay: Sendable, Equatable {
    let year: Int
    let month: Int
    let day: Int
    /// 0 is Sunday.
    let weekday: Int

    /// The day that holds the wall-clock second `wallSeconds` (seconds since 1970-01-01T00:00 local).
    init(wallSeconds: Int64) {
        self.init(daysSinceEpoch: Self.floorDiv(wallSeconds, 86400))
    }

    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = Self.floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
        weekday = Int(((days % 7) + 11) % 7)
    }

    /// Days from 1970-01-01 to the given day (Hinnant's `days_from_civil`), the inverse of `init(daysSinceEpoch:)`.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
