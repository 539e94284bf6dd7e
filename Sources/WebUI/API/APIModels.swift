import Foundation
import Hummingbird
import Scheduler

/// JSON shapes of the API. Times are RFC 3339 strings.
struct PipelineSummary: ResponseEncodable {
    let id: String
    let description: String
    let file: String
    let schedule: String?
    let timezone: String
    let paused: Bool
    let nextRunAt: String?
    let loadError: String?
    let tasks: [String]
    /// Each task's upstream, for drawing the DAG.
    let needs: [String: [String]]
    let params: [ParamView]
    /// The newest runs, newest first, for the coloured squares of the list.
    let lastRuns: [RunSquare]

    init(_ pipeline: Pipeline, state: PipelineState, lastRuns: [Run], now: Date) {
        id = pipeline.id.rawValue
        description = pipeline.description
        file = pipeline.source.path
        schedule = pipeline.schedule?.text
        timezone = pipeline.timeZone.identifier
        paused = state.paused
        nextRunAt = state.paused ? nil : pipeline.schedule?.nextDate(after: now, in: pipeline.timeZone).map(rfc3339)
        loadError = state.loadError
        tasks = pipeline.tasks.map(\.id.rawValue)
        needs = Dictionary(uniqueKeysWithValues: pipeline.tasks.map { ($0.id.rawValue, $0.needs.map(\.rawValue)) })
        params = pipeline.params.map(ParamView.init)
        self.lastRuns = lastRuns.map {
            RunSquare(
                id: $0.id.rawValue, state: $0.state.rawValue, logicalDate: rfc3339($0.logicalDate), startedAt: $0.startedAt.map(rfc3339),
                finishedAt: $0.finishedAt.map(rfc3339))
        }
    }
}

struct RunSquare: Encodable, Sendable {
    let id: Int64
    let state: String
    let logicalDate: String
    let startedAt: String?
    let finishedAt: String?
}

/// One pipeline as the daemon runs it now: its summary, its tasks' settings and the file text it was loaded from
/// (the last good version when the file on disk is broken).
struct PipelineDetail: ResponseEncodable {
    let pipeline: PipelineSummary
    let taskDetails: [TaskView]
    let definition: String
}

struct TaskView: Encodable, Sendable {
    let id: String
    let kind: String
    let needs: [String]
    let triggerRule: String
    let retries: Int
    let timeout: String?
    let service: Bool

    init(_ task: TaskSpec) {
        id = task.id.rawValue
        kind = task.kind
        needs = task.needs.map(\.rawValue)
        triggerRule = task.triggerRule.rawValue
        retries = task.retry.retries
        timeout = task.timeout.map(DurationText.format)
        service = task.isService
    }
}

/// A page of a pipeline's grid: runs, newest first, each with its tasks' states.
struct GridPage: ResponseEncodable {
    struct Row: Encodable, Sendable {
        let run: RunSummary
        /// Task id → state.
        let tasks: [String: String]
    }

    let runs: [Row]
    let nextBefore: Int64?
}

/// A pipeline's runs counted by outcome per day of its time zone; days without runs are left out.
struct CalendarView: ResponseEncodable {
    struct Day: Encodable, Sendable {
        /// `yyyy-MM-dd` in the pipeline's time zone.
        let day: String
        let total: Int
        /// Run state → number of runs, only the states that occur.
        let states: [String: Int]

        init(_ outcomes: Store.DayOutcomes) {
            day = outcomes.day
            total = outcomes.counts.values.reduce(0, +)
            states = Dictionary(uniqueKeysWithValues: outcomes.counts.map { ($0.key.rawValue, $0.value) })
        }
    }

    let pipeline: String
    let timezone: String
    let days: [Day]
}

/// A pipeline param as a trigger form needs it.
struct ParamView: Encodable, Sendable {
    let name: String
    let type: String
    let defaultValue: ParamValue?
    let allowed: [ParamValue]?
    let description: String?

    init(_ spec: ParamSpec) {
        name = spec.name
        type = spec.type.rawValue
        defaultValue = spec.defaultValue
        allowed = spec.allowed
        description = spec.description
    }
}

struct PipelineList: ResponseEncodable {
    let pipelines: [PipelineSummary]
    /// Files whose latest version does not load, with their `file:line: message` diagnostics.
    let brokenFiles: [String: [String]]
}

struct RunSummary: ResponseEncodable {
    let id: Int64
    let pipeline: String
    let trigger: String
    let logicalDate: String
    let state: String
    let params: [String: ParamValue]
    let idempotencyKey: String?
    let createdAt: String
    let startedAt: String?
    let finishedAt: String?
    let note: String?
    let triggeredBy: String?
    let comment: String?

    init(_ run: Run) {
        id = run.id.rawValue
        pipeline = run.pipeline.rawValue
        trigger = run.trigger.rawValue
        logicalDate = rfc3339(run.logicalDate)
        state = run.state.rawValue
        params = run.params
        idempotencyKey = run.idempotencyKey
        createdAt = rfc3339(run.createdAt)
        startedAt = run.startedAt.map(rfc3339)
        finishedAt = run.finishedAt.map(rfc3339)
        note = run.note
        triggeredBy = run.triggeredBy
        comment = run.comment
    }
}

struct RunPage: ResponseEncodable {
    let runs: [RunSummary]
    /// Pass as `before` for the next page; `nil` on the last.
    let nextBefore: Int64?
}

struct TaskRunView: ResponseEncodable {
    let task: String
    let state: String
    let tries: Int
    let attempts: Int
    let reason: String?
    let retryAt: String?
    let queuedAt: String?
    let startedAt: String?
    let finishedAt: String?
}

struct AttemptView: ResponseEncodable {
    let task: String
    let number: Int
    let state: String
    let queuedAt: String?
    let startedAt: String
    let finishedAt: String?
    let exitCode: Int32?
    let reason: String?
}

struct RunDetailView: ResponseEncodable {
    let run: RunSummary
    let tasks: [TaskRunView]
    let attempts: [AttemptView]

    init(_ detail: Store.RunDetail) {
        run = RunSummary(detail.run)
        tasks = detail.taskRuns.map {
            TaskRunView(
                task: $0.key.task.rawValue, state: $0.state.rawValue, tries: $0.tries, attempts: $0.attempts, reason: $0.reason,
                retryAt: $0.retryAt.map(rfc3339), queuedAt: $0.queuedAt.map(rfc3339), startedAt: $0.startedAt.map(rfc3339),
                finishedAt: $0.finishedAt.map(rfc3339))
        }
        attempts = detail.attempts.map {
            AttemptView(
                task: $0.key.taskRun.task.rawValue, number: $0.key.number, state: $0.state.rawValue,
                queuedAt: $0.queuedAt.map(rfc3339), startedAt: rfc3339($0.startedAt), finishedAt: $0.finishedAt.map(rfc3339), exitCode: $0.exitCode, reason: $0.reason)
        }
    }
}

struct TriggerBody: Decodable {
    let params: [String: ParamValue]?
    let idempotencyKey: String?
    /// Why the run is asked for: its first comment.
    let comment: String?
}

struct Health: ResponseEncodable {
    let status: String
    let activeRuns: Int
    let runningAttempts: Int
    let queuedTasks: Int
}

/// RFC 3339 with milliseconds, so that timelines of short attempts keep their length.
func rfc3339(_ date: Date) -> String { RFC3339.milliseconds(date) }
