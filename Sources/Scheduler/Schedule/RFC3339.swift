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

    /// Reads an RFC 3339 date-time (section 5.6): `2025-03-01T06:00:00Z`, `…T06:00:00.250+02:00`, any year
    /// from 0000 and any offset up to ±23:59 (Foundation's parser refuses some of both). `nil` when it is not one.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt "),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
            (1...12).contains(month), (1...CivilDay.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = CivilDay.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
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
