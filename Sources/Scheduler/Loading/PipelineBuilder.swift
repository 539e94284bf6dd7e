import Foundation
import Yams

/// Turns a decoded `PipelineDocument` into a `Pipeline`, collecting every
/// problem rather than stopping at the first, so one `validate` shows them all.
struct PipelineBuilder {
    let path: String
    let text: String
    let registry: JobKindRegistry
    /// The channels the settings' `alerts.channels` define: an `alerts:` block may name only these.
    let alertChannels: Set<String>
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String, text: String, registry: JobKindRegistry, alertChannels: Set<String> = []) {
        self.path = path
        self.text = text
        self.registry = registry
        self.alertChannels = alertChannels
    }

    private mutating func report(_ line: Int?, _ message: String) {
        diagnostics.append(Diagnostic(file: path, line: line, message: message))
    }

    mutating func build(_ document: PipelineDocument) -> Pipeline? {
        let id = pipelineID(document.id)
        let schedule = cron(document.schedule)
        let zone = timeZone(document.timezone)
        let params = self.params(document.params ?? [:])
        let maxRuns = positive(document.maxActiveRuns, "max_active_runs", default: 16)
        let maxTasks = positive(document.maxActiveTasks, "max_active_tasks", default: 16)
        let defaults = taskDefaults(document.defaults)
        let alerts = document.alerts.flatMap { alertRoute($0) }
        if document.tasks.value.isEmpty { report(document.tasks.line, "a pipeline needs at least one task") }
        let tasks = document.tasks.value.compactMap { task(from: $0, defaults: defaults) }
        // The graph is checked whenever every task could be built, so that its problems show beside the others.
        guard tasks.count == document.tasks.value.count else { return nil }
        checkServices(tasks)
        let graph: TaskGraph
        do {
            graph = try TaskGraph(tasks: tasks)
        } catch {
            report(error.line, error.description)
            return nil
        }
        guard diagnostics.isEmpty else { return nil }
        return Pipeline(
            id: id, description: document.description ?? "", schedule: schedule, timeZone: zone,
            catchup: document.catchup ?? false, maxActiveRuns: maxRuns, maxActiveTasks: maxTasks,
            params: params, graph: graph,
            source: .init(path: path, digest: Self.digest(text), text: text), alerts: alerts)
    }

    // MARK: - Alerts

    /// The `alerts:` block: known channels, known events, the settings each event needs.
    private mutating func alertRoute(_ located: Located<PipelineDocument.AlertsDocument>) -> AlertRoute? {
        let document = located.value
        var channels: [String] = []
        if (document.channels ?? []).isEmpty { report(located.line, "alerts: name the channels to alert (channels: [...])") }
        for channel in document.channels ?? [] {
            guard alertChannels.contains(channel.value) else {
                let known = alertChannels.isEmpty ? "none is defined in the settings' alerts.channels" : "channels: " + alertChannels.sorted().joined(separator: ", ")
                let hint = NearMiss.closest(to: channel.value, among: alertChannels).map { "did you mean \"\($0)\"? " } ?? ""
                report(channel.line, "alerts: unknown channel \"\(channel.value)\" (\(hint)\(known))")
                continue
            }
            channels.append(channel.value)
        }
        var events: Set<AlertEvent> = []
        for event in document.on ?? [] {
            guard let known = AlertEvent(rawValue: event.value) else {
                let names = AlertEvent.allCases.map(\.rawValue)
                let hint = NearMiss.closest(to: event.value, among: names).map { "did you mean \"\($0)\"? " } ?? ""
                report(event.line, "alerts: unknown event \"\(event.value)\" (\(hint)events: \(names.joined(separator: ", ")))")
                continue
            }
            events.insert(known)
        }
        if document.on == nil { events = [.taskFailed, .runFailed] }
        let deadline = duration(document.deadline, "alerts.deadline")
        if events.contains(.deadlineMissed), document.deadline == nil {
            report(located.line, "alerts: deadline_missed needs a deadline (such as deadline: 2h, after the run's logical date)")
        }
        var flapping = AlertRoute.defaultFlapping
        if let given = document.flapping {
            let restarts = positive(given.restarts, "alerts.flapping.restarts", default: flapping.restarts)
            flapping = .init(restarts: restarts, window: duration(given.window, "alerts.flapping.window") ?? flapping.window)
        }
        return AlertRoute(channels: channels, events: events, deadline: deadline, flapping: flapping)
    }

    // MARK: - Pipeline-level fields

    private mutating func pipelineID(_ located: Located<String>?) -> PipelineID {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let id = located?.value ?? stem
        if !Self.isIdentifier(id) {
            report(located?.line, "pipeline id \"\(id)\" may hold only letters, digits, \"_\" and \"-\"")
        }
        return PipelineID(id)
    }

    private mutating func cron(_ located: Located<String>?) -> CronExpression? {
        guard let located else { return nil }
        do {
            return try CronExpression(located.value)
        } catch {
            report(located.line, "schedule: \(error.description)")
            return nil
        }
    }

    private mutating func timeZone(_ located: Located<String>?) -> TimeZone {
        guard let located else { return .gmt }
        if let zone = TimeZone(identifier: located.value), TimeZone.knownTimeZoneIdentifiers.contains(located.value) || located.value == "UTC" {
            return zone
        }
        let hint = NearMiss.closest(to: located.value, among: TimeZone.knownTimeZoneIdentifiers).map { " (did you mean \"\($0)\"?)" } ?? ""
        report(located.line, "timezone: unknown IANA time zone \"\(located.value)\"\(hint)")
        return .gmt
    }

    private mutating func positive(_ located: Located<Int>?, _ key: String, default value: Int) -> Int {
        guard let located else { return value }
        if located.value < 1 { report(located.line, "\(key) must be 1 or more, not \(located.value)") }
        return max(1, located.value)
    }

    private mutating func params(_ documents: [String: Located<PipelineDocument.ParamDocument>]) -> [ParamSpec] {
        documents.keys.sorted().compactMap { name -> ParamSpec? in
            let document = documents[name]!
            guard Self.isIdentifier(name) else {
                report(document.line, "param name \"\(name)\" may hold only letters, digits, \"_\" and \"-\"")
                return nil
            }
            guard let type = ParamSpec.ValueType(rawValue: document.value.type.value) else {
                let valid = ParamSpec.ValueType.allCases.map(\.rawValue).joined(separator: ", ")
                report(document.value.type.line, "param \"\(name)\": unknown type \"\(document.value.type.value)\" (types: \(valid))")
                return nil
            }
            let loose = ParamSpec(name: name, type: type, defaultValue: nil)
            do {
                let allowed = try document.value.enum.map { try $0.map { value throws(ParamError) in try loose.check(value) } }
                let strict = ParamSpec(name: name, type: type, defaultValue: nil, allowed: allowed)
                let defaultValue = try document.value.default.map { value throws(ParamError) in try strict.check(value) }
                return ParamSpec(name: name, type: type, defaultValue: defaultValue, allowed: allowed, description: document.value.description)
            } catch let error as ParamError {
                report(document.line, error.description)
                return nil
            } catch {
                report(document.line, "param \"\(name)\": \(error)")
                return nil
            }
        }
    }

    // MARK: - Tasks

    private struct Defaults {
        var retry = RetryPolicy()
        var timeout: Duration?
    }

    private mutating func taskDefaults(_ document: PipelineDocument.TaskDefaults?) -> Defaults {
        var defaults = Defaults()
        guard let document else { return defaults }
        defaults.retry = retryPolicy(document.retries, document.retryBackoff, document.retryBackoffMax, base: defaults.retry)
        defaults.timeout = duration(document.timeout, "timeout")
        return defaults
    }

    private mutating func retryPolicy(
        _ retries: Located<Int>?, _ backoff: Located<String>?, _ backoffMax: Located<String>?, base: RetryPolicy
    ) -> RetryPolicy {
        var policy = base
        if let retries {
            if retries.value < 0 { report(retries.line, "retries must be 0 or more, not \(retries.value)") }
            policy.retries = max(0, retries.value)
        }
        if let value = duration(backoff, "retry_backoff") { policy.backoff = value }
        if let value = duration(backoffMax, "retry_backoff_max") { policy.maxBackoff = value }
        return policy
    }

    private mutating func duration(_ located: Located<String>?, _ key: String) -> Duration? {
        guard let located else { return nil }
        guard let value = DurationText.parse(located.value), value > .zero else {
            report(located.line, "\(key): \"\(located.value)\" is not a duration (write it like 30s, 5m, 1h30m, 250ms)")
            return nil
        }
        return value
    }

    private mutating func task(from located: Located<PipelineDocument.TaskDocument>, defaults: Defaults) -> TaskSpec? {
        let document = located.value
        let line = located.line ?? document.id.line ?? 0
        let id = document.id.value
        guard Self.isIdentifier(id) else {
            report(document.id.line, "task id \"\(id)\" may hold only letters, digits, \"_\" and \"-\"")
            return nil
        }
        let rule = triggerRule(document.triggerRule, task: id)
        let retry = retryPolicy(document.retries, document.retryBackoff, document.retryBackoffMax, base: defaults.retry)
        let timeout = duration(document.timeout, "timeout") ?? defaults.timeout
        guard let job = job(for: document, task: id) else { return nil }
        return TaskSpec(
            id: TaskID(id), kind: document.kind.value, job: job, needs: (document.needs ?? []).map { TaskID($0.value) },
            triggerRule: rule, retry: retry, timeout: timeout, isService: document.service ?? false, line: line)
    }

    private mutating func triggerRule(_ located: Located<String>?, task: String) -> TriggerRule {
        guard let located else { return .allSuccess }
        if let rule = TriggerRule(rawValue: located.value) { return rule }
        let names = TriggerRule.allCases.map(\.rawValue)
        let hint = NearMiss.closest(to: located.value, among: names).map { " (did you mean \"\($0)\"?)" } ?? ""
        report(located.line, "task \"\(task)\": unknown trigger_rule \"\(located.value)\"\(hint) (rules: \(names.joined(separator: ", ")))")
        return .allSuccess
    }

    private mutating func job(for document: PipelineDocument.TaskDocument, task: String) -> (any JobKind)? {
        let kind = document.kind.value
        guard let make = registry.maker(for: kind) else {
            let hint = NearMiss.closest(to: kind, among: registry.kindNames).map { " (did you mean \"\($0)\"?)" } ?? ""
            report(document.kind.line, "task \"\(task)\": unknown kind \"\(kind)\"\(hint) (kinds: \(registry.kindNames.joined(separator: ", ")))")
            return nil
        }
        do {
            return try make(document.with?.node, .init())
        } catch let error as NodeDecodingError {
            let where_ = error.pathText.isEmpty ? "with" : "with.\(error.pathText)"
            report(error.line ?? document.kind.line, "task \"\(task)\" (\(kind)): \(where_): \(error.message)")
        } catch {
            report(document.with?.node.mark?.line ?? document.kind.line, "task \"\(task)\" (\(kind)): \(error)")
        }
        return nil
    }

    /// Nothing may wait for a service: it never finishes.
    private mutating func checkServices(_ tasks: [TaskSpec]) {
        let services = Set(tasks.filter(\.isService).map(\.id))
        for task in tasks {
            for need in task.needs where services.contains(need) {
                report(task.line, "task \"\(task.id)\" needs \"\(need)\", which is a service and never finishes")
            }
        }
    }

    /// Letters, digits, `_` and `-`, 1 to 100 of them: what pipeline, task and param ids may be.
    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 100
            && text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" || $0 == "-" }
    }

    /// FNV-1a, 64 bits: tells a changed file from an untouched one; not a security digest.
    static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
