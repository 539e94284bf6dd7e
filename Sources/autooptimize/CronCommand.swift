import ArgumentParser
import Foundation
import Scheduler

/// `autooptimize cron`: shows when an expression fires, to check a schedule before committing it.
struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron", abstract: "Print the next fire times of a cron expression, RFC 3339, one a line.")

    @Argument(help: "The expression, quoted: \"30 2 * * MON-FRI\" or @daily.") var expression: String
    @Option(help: "IANA time zone of the schedule.") var tz: String = "UTC"
    @Option(help: "Start after this RFC 3339 time (default now).") var after: String?
    @Option(help: "How many times to print.") var count: Int = 10

    func run() throws {
        guard let zone = TimeZone(identifier: tz) else { throw ValidationError("unknown time zone \"\(tz)\"") }
        let cron: CronExpression
        do {
            cron = try CronExpression(expression)
        } catch {
            throw ValidationError(error.description)
        }
        var start = Date()
        if let after {
            guard let parsed = try? Date(after, strategy: .iso8601) else {
                throw ValidationError("--after \"\(after)\" is not an RFC 3339 time like 2025-03-30T00:00:00Z")
            }
            start = parsed
        }
        for date in cron.nextDates(after: start, in: zone, count: count) {
            print(RFC3339.format(date, in: zone))
        }
    }
}
