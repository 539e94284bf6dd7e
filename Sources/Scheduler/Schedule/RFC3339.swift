public import Foundation

/// RFC 3339 timestamps with the offset of a time zone: `2025-03-30T03:00:00+02:00`.
public enum RFC3339 {
    /// UTC with milliseconds (`2026-11-29T03:18:37.123Z`), by integer arithmetic: the API formats
    /// thousands of these a second, and Foundation's format styles cost microseconds each.
    public static func milliseconds(_ date: Date) -> String {
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = CivilDay.floorDiv(total, 1000)
        let millisecond = Int(total - seconds * 1000)
        let day = CivilDay(wallSeconds: seconds)
        let second = seconds - CivilDay.floorDiv(seconds, 86400) * 86400
        return pad(day.year, 4) + "-" + pad(day.month, 2) + "-" + pad(day.day, 2) + "T" + pad(Int(second / 3600), 2) + ":"
            + pad(Int(second % 3600 / 60), 2) + ":" + pad(Int(second % 60), 2) + "." + pad(millisecond, 3) + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public static func format(_ date: Date, in zone: TimeZone = .gmt) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offset)
        let day = CivilDay(wallSeconds: local)
        let second = local - CivilDay.floorDiv(local, 86400) * 86400
        let clock = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", day.year, day.month, day.day, Int(second / 3600), Int(second % 3600 / 60), Int(second % 60))
        guard offset != 0 else { return clock + "Z" }
        let magnitude = abs(offset)
        return clock + String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", magnitude / 3600, magnitude % 3600 / 60)
    }
}
