import Foundation
import Scheduler
import Testing

@Suite struct CronExpressionTests {
    private func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    private func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }
    private func next(_ cron: String, _ zone: String, after: String, count: Int) throws -> [String] {
        try CronExpression(cron).nextDates(after: date(after), in: self.zone(zone), count: count).map { RFC3339.format($0) }
    }

    @Test(arguments: [
        ("*/15 * * * *", "UTC", "2025-01-01T10:07:00Z", ["2025-01-01T10:15:00Z", "2025-01-01T10:30:00Z", "2025-01-01T10:45:00Z"]),
        ("0 9-17/4 * * MON-FRI", "UTC", "2025-01-03T12:00:00Z", ["2025-01-03T13:00:00Z", "2025-01-03T17:00:00Z", "2025-01-06T09:00:00Z"]),
        ("0 0 1,15 JAN,jul *", "UTC", "2025-01-01T00:00:00Z", ["2025-01-15T00:00:00Z", "2025-07-01T00:00:00Z", "2025-07-15T00:00:00Z"]),
        ("@monthly", "UTC", "2025-01-31T00:00:00Z", ["2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"]),
        ("@weekly", "UTC", "2025-01-01T00:00:00Z", ["2025-01-05T00:00:00Z", "2025-01-12T00:00:00Z", "2025-01-19T00:00:00Z"]),
        ("0 12 29 2 *", "UTC", "2025-01-01T00:00:00Z", ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z", "2036-02-29T12:00:00Z"]),
        ("5 4 * * 7", "UTC", "2025-01-01T00:00:00Z", ["2025-01-05T04:05:00Z", "2025-01-12T04:05:00Z", "2025-01-19T04:05:00Z"]),
        ("0 8 * * *", "Asia/Kolkata", "2025-01-01T00:00:00Z", ["2025-01-01T02:30:00Z", "2025-01-02T02:30:00Z", "2025-01-03T02:30:00Z"]),
    ])
    func nextDates(cron: String, zone: String, after: String, expected: [String]) throws {
        #expect(try next(cron, zone, after: after, count: expected.count) == expected)
    }

    @Test func dayOfMonthAndDayOfWeekAreOredWhenBothRestricted() throws {
        // 13th of the month OR any Friday (Vixie cron's rule), in June 2025.
        let fired = try next("0 0 13 * FRI", "UTC", after: "2025-06-01T00:00:00Z", count: 4)
        #expect(fired == ["2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z", "2025-06-20T00:00:00Z", "2025-06-27T00:00:00Z"])
    }

    @Test func wildcardDayOfMonthMeansOnlyTheWeekdayCounts() throws {
        let fired = try next("0 0 */1 * FRI", "UTC", after: "2025-06-01T00:00:00Z", count: 2)
        #expect(fired == ["2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z"])
    }

    // MARK: - Daylight saving (Debian cron's rules)

    @Test func parisSpringForwardFiresFixedTimeAtTheEndOfTheJump() throws {
        // 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        let fired = try next("30 2 * * *", "Europe/Paris", after: "2025-03-29T00:00:00Z", count: 3)
        #expect(fired == ["2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"])
    }

    @Test func parisFallBackFiresRepeatedTimeOnceAtTheFirst() throws {
        // 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30Z and 01:30Z.
        let fired = try next("30 2 * * *", "Europe/Paris", after: "2025-10-25T12:00:00Z", count: 2)
        #expect(fired == ["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"])
    }

    @Test func newYorkWildcardHourKeepsEveryRealHourThroughFallBack() throws {
        // 2025-11-02: 02:00 EDT goes back to 01:00 EST; 01:30 local happens twice and both fire.
        let fired = try next("30 * * * *", "America/New_York", after: "2025-11-02T04:00:00Z", count: 4)
        #expect(fired == ["2025-11-02T04:30:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z", "2025-11-02T07:30:00Z"])
    }

    @Test func newYorkWildcardHourKeepsEveryRealHourThroughSpringForward() throws {
        // 2025-03-09: 02:00 EST jumps to 03:00 EDT; real hours 06Z and 07Z map to 01:xx and 03:xx local.
        let fired = try next("15 * * * *", "America/New_York", after: "2025-03-09T05:30:00Z", count: 3)
        #expect(fired == ["2025-03-09T06:15:00Z", "2025-03-09T07:15:00Z", "2025-03-09T08:15:00Z"])
    }

    @Test func newYorkFixedHourInTheRepeatedHourFiresOnce() throws {
        let fired = try next("30 1 * * *", "America/New_York", after: "2025-11-01T12:00:00Z", count: 2)
        #expect(fired == ["2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"])
    }

    @Test func casablancaRamadanChangesFollowTheSameRules() throws {
        // 2025-02-23 03:00 (+01) goes back to 02:00 (+00): 02:30 happens twice; the first is 01:30Z.
        let back = try next("30 2 * * *", "Africa/Casablanca", after: "2025-02-22T12:00:00Z", count: 2)
        #expect(back == ["2025-02-23T01:30:00Z", "2025-02-24T02:30:00Z"])
        // 2025-04-06 02:00 (+00) jumps to 03:00 (+01): 02:30 does not exist; it fires at 02:00Z (03:00 local).
        let forward = try next("30 2 * * *", "Africa/Casablanca", after: "2025-04-05T12:00:00Z", count: 2)
        #expect(forward == ["2025-04-06T02:00:00Z", "2025-04-07T01:30:00Z"])
    }

    @Test func nonexistentHourWithEveryMinuteCollapsesToOneFire() throws {
        let fired = try next("* 2 * * *", "Europe/Paris", after: "2025-03-30T00:59:00Z", count: 2)
        #expect(fired == ["2025-03-30T01:00:00Z", "2025-03-31T00:00:00Z"])
    }

    // MARK: - Bad expressions

    @Test(arguments: [
        ("61 * * * *", "minute field \"61\": 61 is out of range 0-59"),
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("* 5-2 * * *", "hour field \"5-2\": range goes backwards (5 > 2)"),
        ("*/0 * * * *", "minute field \"*/0\": step must be a positive number"),
        ("* * * FOO *", "month field \"FOO\": \"FOO\" is not a number or a name (jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec)"),
        ("0 0 30 2 *", "never fires: no month in the month field has any day of the day-of-month field"),
        ("@fortnightly", "unknown macro \"@fortnightly\" (known: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually)"),
    ])
    func badExpressionsSayWhatIsWrong(text: String, message: String) {
        #expect(throws: CronError(text: text, message: message)) { try CronExpression(text) }
    }
}
