public import Foundation
import GRDB

// MARK: - A pipeline's outcomes per day, for the panel's calendar

extension Store {
    /// How the runs of one day ended; `day` is the calendar date in the pipeline's time zone, as `yyyy-MM-dd`.
    public struct DayOutcomes: Sendable, Equatable {
        public var day: String
        public var counts: [RunState: Int]
    }

    /// The runs of `pipeline` whose logical date falls in `range`, counted by state per day of `timeZone`,
    /// oldest day first; days without runs are left out. Reads two columns through the
    /// `(pipelineID, logicalDate)` index, so a year of a busy pipeline costs one range scan.
    public func dailyOutcomes(pipeline: PipelineID, in range: Range<Date>, timeZone: TimeZone) throws(StoreError) -> [DayOutcomes] {
        let calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            return calendar
        }()
        return try read("the daily outcomes of \(pipeline)") { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT logicalDate, state FROM run WHERE pipelineID = ? AND logicalDate >= ? AND logicalDate < ? ORDER BY logicalDate",
                arguments: [pipeline.rawValue, range.lowerBound.timeIntervalSince1970, range.upperBound.timeIntervalSince1970])
            var days: [DayOutcomes] = []
            // Runs come in date order, so a day's runs are together: one Calendar call per day, not per run.
            var dayEnd = -Double.infinity
            while let row = try rows.next() {
                let instant: Double = row[0]
                if instant >= dayEnd {
                    let date = Date(timeIntervalSince1970: instant)
                    let start = calendar.startOfDay(for: date)
                    dayEnd = (calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)).timeIntervalSince1970
                    let parts = calendar.dateComponents([.year, .month, .day], from: start)
                    let name = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
                    days.append(DayOutcomes(day: name, counts: [:]))
                }
                let state = RunState(rawValue: row[1]) ?? .failed
                days[days.count - 1].counts[state, default: 0] += 1
            }
            return days
        }
    }
}
