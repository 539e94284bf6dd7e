import Connectors
import Foundation
import Scheduler

/// What an alert says, the same facts in each channel's form: one line of text (Slack's `text`) with the structured
/// fields beside it for webhooks; a subject and a body for email. The error and the log lines come with the values
/// of the daemon's secrets scrubbed.
struct AlertMessage {
    let alert: StoredAlert
    let panelURL: String
    /// The last lines of the attempt's log, scrubbed.
    let logTail: [String]
    let scrubber: SecretScrubber

    var runLink: String? { alert.alert.run.map { "\(panelURL)/#/run/\($0.rawValue)" } }
    var error: String? { alert.alert.error.map(scrubber.scrub) }

    /// What happened, in a few words.
    var headline: String {
        let a = alert.alert
        switch a.event {
        case .taskFailed: return "task \(a.task?.rawValue ?? "?") of pipeline \(a.pipeline) failed (attempt \(a.attempt ?? 0))"
        case .runFailed: return "run \(a.run?.rawValue ?? 0) of pipeline \(a.pipeline) failed"
        case .recovered: return "pipeline \(a.pipeline) recovered: run \(a.run?.rawValue ?? 0) succeeded after a failure"
        case .deadlineMissed: return "run \(a.run?.rawValue ?? 0) of pipeline \(a.pipeline) missed its deadline"
        case .serviceFlapping: return "service \(a.task?.rawValue ?? "?") of pipeline \(a.pipeline) keeps restarting"
        }
    }

    var text: String {
        var line = "AutoOptimize: \(headline)"
        if let error { line += ": \(error)" }
        if alert.alert.heldBack > 0 { line += " (\(alert.alert.heldBack) more like it held back)" }
        if let runLink { line += " \(runLink)" }
        return line
    }

    var webhookBody: Data {
        let a = alert.alert
        var object: [String: Any] = [
            "text": text, "id": alert.id, "event": a.event.rawValue, "pipeline": a.pipeline.rawValue, "channel": a.channel,
            "held_back": a.heldBack, "created_at": ISO8601DateFormatter().string(from: a.createdAt), "log_tail": logTail,
        ]
        object["run"] = a.run?.rawValue
        object["task"] = a.task?.rawValue
        object["attempt"] = a.attempt
        object["logical_date"] = a.logicalDate.map { ISO8601DateFormatter().string(from: $0) }
        object["error"] = error
        object["run_url"] = runLink
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// The email: `Message-ID` is the delivery id (the same on every retry), so that a mail client shows a repeat once.
    func email(from: String, to: [String]) -> MailMessage {
        let a = alert.alert
        var fields: [(String, String)] = [("Pipeline", a.pipeline.rawValue), ("Event", a.event.rawValue)]
        if let run = a.run { fields.append(("Run", String(run.rawValue))) }
        if let task = a.task { fields.append(("Task", task.rawValue)) }
        if let attempt = a.attempt { fields.append(("Attempt", String(attempt))) }
        if let date = a.logicalDate { fields.append(("Logical date", ISO8601DateFormatter().string(from: date))) }
        if let error { fields.append(("Error", error)) }
        if a.heldBack > 0 { fields.append(("Held back", "\(a.heldBack) more like it, by throttling")) }
        var body = headline.prefix(1).uppercased() + headline.dropFirst() + ".\n\n"
        body += fields.map { "\($0.0 + ":")\(String(repeating: " ", count: max(1, 15 - $0.0.count)))\($0.1)" }.joined(separator: "\n") + "\n"
        if !logTail.isEmpty { body += "\nLast lines of the log:\n" + logTail.map { "    \($0)" }.joined(separator: "\n") + "\n" }
        if let runLink { body += "\nOpen the run: \(runLink)\n" }
        body += "\nDelivery id: \(alert.id)\n"
        let domain = from.split(separator: "@").last.map(String.init) ?? "autooptimize"
        return MailMessage(
            from: from, to: to, subject: "[AutoOptimize] \(headline)", body: body,
            messageID: "alert-\(alert.id).\(Int(a.createdAt.timeIntervalSince1970))@\(domain)", date: Date(),
            headers: [("X-AutoOptimize-Delivery", String(alert.id))])
    }

    /// The last `lines` lines of a log (from its last 16 KB), scrubbed; empty when it cannot be read.
    static func tail(of path: String?, lines: Int = 20, scrubber: SecretScrubber) -> [String] {
        guard let path, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > 16_384 ? size - 16_384 : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        var all = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if start > 0, !all.isEmpty { all.removeFirst() }  // cut mid-line
        while all.last?.isEmpty == true { all.removeLast() }
        return all.suffix(lines).map { String(scrubber.scrub($0).prefix(500)) }
    }
}
