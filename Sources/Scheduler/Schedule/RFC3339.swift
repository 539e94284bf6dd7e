public import Foundation

/// RFC 3339 timestamps with the offset of a time zone: `2025-03-30T03:00:00+02:00`.
public enum RFC3339 {
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
