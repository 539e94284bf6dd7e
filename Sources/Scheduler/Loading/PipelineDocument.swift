/// The YAML of a pipeline file, as written; `PipelineLoader` turns it into a `Pipeline`.
struct PipelineDocument: Decodable {
    var id: Located<String>?
    var description: String?
    var schedule: Located<String>?
    var timezone: Located<String>?
    var catchup: Bool?
    var maxActiveRuns: Located<Int>?
    var maxActiveTasks: Located<Int>?
    var params: [String: Located<ParamDocument>]?
    var defaults: TaskDefaults?
    var alerts: Located<AlertsDocument>?
    var tasks: Located<[Located<TaskDocument>]>

    enum CodingKeys: String, CodingKey {
        case id, description, schedule, timezone, catchup, params, defaults, tasks, alerts
        case maxActiveRuns = "max_active_runs"
        case maxActiveTasks = "max_active_tasks"
    }

    /// Retry and timeout settings, either pipeline-wide (`defaults:`) or per task.
    struct TaskDefaults: Decodable {
        var retries: Located<Int>?
        var retryBackoff: Located<String>?
        var retryBackoffMax: Located<String>?
        var timeout: Located<String>?

        enum CodingKeys: String, CodingKey {
            case retries, timeout
            case retryBackoff = "retry_backoff"
            case retryBackoffMax = "retry_backoff_max"
        }
    }

    /// `alerts:`: channels, events (`on:`), a deadline, what counts as flapping.
    struct AlertsDocument: Decodable {
        var channels: [Located<String>]?
        var on: [Located<String>]?
        var deadline: Located<String>?
        var flapping: FlappingDocument?

        struct FlappingDocument: Decodable {
            var restarts: Located<Int>?
            var window: Located<String>?
        }
    }

    struct ParamDocument: Decodable {
        var type: Located<String>
        var `default`: ParamValue?
        var description: String?
        var `enum`: [ParamValue]?
    }

    struct TaskDocument: Decodable {
        var id: Located<String>
        var kind: Located<String>
        var with: RawNode?
        var needs: [Located<String>]?
        var triggerRule: Located<String>?
        var retries: Located<Int>?
        var retryBackoff: Located<String>?
        var retryBackoffMax: Located<String>?
        var timeout: Located<String>?
        var service: Bool?

        enum CodingKeys: String, CodingKey {
            case id, kind, with, needs, retries, timeout, service
            case triggerRule = "trigger_rule"
            case retryBackoff = "retry_backoff"
            case retryBackoffMax = "retry_backoff_max"
        }
    }
}
