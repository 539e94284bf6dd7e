import Foundation
import Testing

@testable import Scheduler

@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("2025-03-01T06:00:00Z", 1_740_808_800.0),
        ("2025-03-01t06:00:00z", 1_740_808_800.0),
        ("2025-03-01 06:00:00Z", 1_740_808_800.0),
        ("2025-03-01T08:30:00+02:30", 1_740_808_800.0),
        ("2025-02-28T19:00:00-11:00", 1_740_808_800.0),
        ("2025-03-01T06:00:00.250Z", 1_740_808_800.25),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("0000-01-01T00:00:00Z", -62_167_219_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("7115-04-06T22:02:21-21:16", 162_368_824_701),
    ])
    func readsDateTimes(_ text: String, _ seconds: Double) throws {
        let date = try #require(RFC3339.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_5, "\(text)")
    }

    @Test(arguments: [
        "", "2025-03-01", "2025-3-01T06:00:00Z", "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-03-01T24:00:00Z",
        "2025-03-01T06:60:00Z", "2025-03-01T06:00:00", "2025-03-01T06:00:00+2:00", "2025-03-01T06:00:00+24:00",
        "2025-03-01T06:00:00.Z", "2025-03-01T06:00:00Z ", "yesterday",
    ])
    func refusesWhatIsNotOne(_ text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text)")
    }

    @Test func readsWhatItWrites() throws {
        let date = Date(timeIntervalSince1970: 1_764_386_317.123)
        let read = try #require(RFC3339.parse(RFC3339.milliseconds(date)))
        #expect(abs(read.timeIntervalSince(date)) < 0.000_5)
        let zoned = try #require(TimeZone(identifier: "Africa/Casablanca"))
        #expect(RFC3339.parse(RFC3339.format(date, in: zoned))?.timeIntervalSince1970 == 1_764_386_317)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"), (1_764_386_317.123, "2025-11-29T03:18:37.123Z"), (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
    ])
    func millisecondsAreUTCWithThreeDigits(seconds: Double, text: String) {
        #expect(RFC3339.milliseconds(Date(timeIntervalSince1970: seconds)) == text)
    }
}
