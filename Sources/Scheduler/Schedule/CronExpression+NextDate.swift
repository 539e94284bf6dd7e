public import Foundation

extension CronExpression {
    /// How far ahead `nextDate` looks before concluding that the expression never fires again.
    private static let horizon: Int64 = 30 * 366 * 86400

    /// The first instant strictly after `date` at which the expression fires, in `zone`.
    ///
    /// Daylight-saving rules follow Debian's cron:
    /// - when the hour field starts with `*`, the schedule follows real time: every
    ///   real minute whose local time matches fires, so every real hour gets its
    ///   minute through both changes;
    /// - otherwise the schedule fires once per matching local time: a local time
    ///   that does not exist (clocks jump forward) fires at the first instant after
    ///   the jump, and a local time that happens twice fires once, at the first.
    public func nextDate(after date: Date, in zone: TimeZone) -> Date? {
        let after = Int64(date.timeIntervalSince1970.rounded(.down))
        let next = hours.isStar ? nextRealTime(after: after, zone) : nextWallClock(after: after, zone)
        return next.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The next `count` fire times after `date`.
    public func nextDates(after date: Date, in zone: TimeZone, count: Int) -> [Date] {
        var dates: [Date] = []
        var cursor = date
        while dates.count < count, let next = nextDate(after: cursor, in: zone) {
            dates.append(next)
            cursor = next
        }
        return dates
    }

    // MARK: - Real time (wildcard hour)

    private func nextRealTime(after: Int64, _ zone: TimeZone) -> Int64? {
        var t = CivilDay.floorDiv(after, 60) * 60 + 60
        let limit = after + Self.horizon
        while t <= limit {
            let wall = t + offset(zone, t)
            let secondOfDay = wall - CivilDay.floorDiv(wall, 86400) * 86400
            guard matchesDay(CivilDay(wallSeconds: wall)) else {
                // Jump close to local midnight, but an hour or two short of it, in case
                // an offset change lies in between; the next iterations walk the rest.
                t += max(60, 86400 - secondOfDay - 7200)
                continue
            }
            let hour = Int(secondOfDay / 3600)
            let minute = Int(secondOfDay % 3600 / 60)
            guard hours.contains(hour) else {
                t += 3600 - secondOfDay % 3600
                continue
            }
            guard let nextMinute = minutes.values.first(where: { $0 >= minute }) else {
                t += 3600 - secondOfDay % 3600
                continue
            }
            if nextMinute == minute { return t }
            t += Int64(nextMinute - minute) * 60
        }
        return nil
    }

    // MARK: - Wall clock (fixed hours)

    private func nextWallClock(after: Int64, _ zone: TimeZone) -> Int64? {
        let firstDay = CivilDay.floorDiv(after + offset(zone, after), 86400) - 1
        let hourList = hours.values
        let minuteList = minutes.values
        for dayNumber in firstDay...(firstDay + Self.horizon / 86400) {
            guard matchesDay(CivilDay(daysSinceEpoch: dayNumber)) else { continue }
            for hour in hourList {
                for minute in minuteList {
                    let wall = dayNumber * 86400 + Int64(hour * 3600 + minute * 60)
                    let instant = resolve(wall: wall, zone)
                    if instant > after { return instant }
                }
            }
        }
        return nil
    }

    /// The instant a wall-clock time stands for: the earlier of two when the time
    /// happens twice, the end of the jump when it does not happen at all.
    private func resolve(wall: Int64, _ zone: TimeZone) -> Int64 {
        let before = offset(zone, wall - 86400)
        let after = offset(zone, wall + 86400)
        let candidates = Set([before, after]).map { wall - $0 }.sorted()
        if let valid = candidates.first(where: { wall - offset(zone, $0) == $0 }) {
            return valid
        }
        // A gap: the transition lies in (wall - after, wall - before]; find its first second.
        var low = wall - after
        var high = wall - before
        while low < high {
            let middle = low + (high - low) / 2
            if offset(zone, middle) == after { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private func offset(_ zone: TimeZone, _ instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }
}
