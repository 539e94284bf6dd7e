import Foundation

/// The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
///
/// Built from one table of operations, so that a test can hold it against the router:
/// a route without an operation here, or an operation without a route, fails the build's tests.
enum OpenAPIDocument {
    struct Operation {
        /// A stable name for generated clients (`triggerRun`, `getRun`…).
        let id: String
        let method: String
        let path: String
        let summary: String
        /// `nil`: no credential needed.
        let permission: String?
        let query: [Query]
        let body: String?
        let responses: [(status: Int, schema: String?)]
        /// The media type of a success without a JSON schema (text, an event stream, JSON lines).
        let media: String?

        /// The group a generated client puts it in: the first segment under `/api/v1` (`runs`, `users`…).
        var tag: String {
            let segments = path.split(separator: "/").map(String.init)
            return segments.first == "api" ? segments.dropFirst(2).first.map { $0.replacingOccurrences(of: ".json", with: "") } ?? "api" : segments.first ?? "api"
        }
    }

    /// A query parameter: its name, the values the route accepts (anything else is a 400), what it does.
    typealias Query = (name: String, schema: QueryValue, description: String)

    enum QueryValue: Sendable {
        case integer(ClosedRange<Int>)
        case boolean
        case string
        /// Text that must be given and not empty (the route answers 400 otherwise).
        case requiredText(maxLength: Int)
        case choice([String])
        /// An RFC 3339 date-time, or a day.
        case time

        var json: [String: Any] {
            switch self {
            case .integer(let range):
                return ["type": "integer", "format": "int64", "minimum": range.lowerBound, "maximum": range.upperBound]
            case .boolean: return ["type": "boolean"]
            case .string: return ["type": "string"]
            case .requiredText(let maxLength): return ["type": "string", "minLength": 1, "maxLength": maxLength]
            case .choice(let values): return ["type": "string", "enum": values]
            case .time: return ["type": "string", "anyOf": [["format": "date-time"], ["format": "date"]]]
            }
        }
    }

    static let operations: [Operation] = [
        op("getSellerFigures", "get", "/api/v1/figures/sellers", "Live seller figures of a consumer group (JSON, or the contract's CSV)", "read",
           query: [("group", .string, "the consumer group; may be left out when there is one"), ("format", .choice(["json", "csv"]), "default json")],
           responses: [(200, "SellerFigures")], media: "text/csv"),
        op("getFiguresSummary", "get", "/api/v1/figures/summary",
           "A group's leaders (by revenue and by deals won), deals in progress and revenue per hour of the last 24", "read",
           query: [("group", .string, "the consumer group; may be left out when there is one")], responses: [(200, "FiguresSummary")]),
        op("getStreams", "get", "/api/v1/streams", "Kafka as the daemon sees it: topics, partitions and ends, consumer groups, offsets, lag", "read",
           responses: [(200, "Streams")]),
        op("getHealth", "get", "/api/v1/health", "Liveness and engine counts", nil, responses: [(200, "Health")]),
        op("getOpenAPIDocument", "get", "/api/v1/openapi.json", "This document", nil, responses: [(200, nil)], media: "application/json"),
        op("getMetrics", "get", "/metrics", "Prometheus metrics (text format)", "read", responses: [(200, nil)], media: "text/plain"),
        op("listPipelines", "get", "/api/v1/pipelines", "Pipelines, their state, last runs and broken files", "read", responses: [(200, "PipelineList")]),
        op("getPipeline", "get", "/api/v1/pipelines/{id}", "One pipeline: its DAG, its tasks' settings and its current definition", "read",
           responses: [(200, "PipelineDetail")]),
        op("getPipelineGrid", "get", "/api/v1/pipelines/{id}/grid", "A pipeline's runs × tasks, newest first, by keyset pages", "read",
           query: runFilters + [("limit", .integer(1...500), "default 25")], responses: [(200, "GridPage")]),
        op("getPipelineCalendar", "get", "/api/v1/pipelines/{id}/calendar", "A pipeline's run outcomes per day of its time zone", "read",
           query: [("days", .integer(1...366), "how many days back from today, default 120")], responses: [(200, "Calendar")]),
        op("streamEvents", "get", "/api/v1/events", "Live engine events as Server-Sent Events (run, task, attempt, pipelines, figures)", "read",
           query: [("limit", .integer(1...1_000_000), "end the stream after this many events")], responses: [(200, nil)], media: "text/event-stream"),
        op("listRuns", "get", "/api/v1/runs", "Runs, newest first, by keyset pages", "read",
           query: [("pipeline", .string, "only this pipeline")] + runFilters + [("limit", .integer(1...500), "default 50")],
           responses: [(200, "RunPage")]),
        op("getRun", "get", "/api/v1/runs/{id}", "One run with its task runs and attempts", "read",
           query: [("wait", .integer(0...600), "seconds to wait for the run to end before answering")],
           responses: [(200, "RunDetail")]),
        op("getRunRejects", "get", "/api/v1/runs/{id}/rejects",
           "The rows a batch run rejected (file, line, reason; personal fields masked), or the contract's reason,rows CSV", "read",
           query: [("format", .choice(["json", "csv"]), "default json"), ("offset", .integer(0...Int.max), "first row, default 0"),
                   ("limit", .integer(1...1000), "rows, default 100")],
           responses: [(200, "RunRejects")], media: "text/csv"),
        op("listReports", "get", "/api/v1/reports", "For each pipeline, its newest successful run that published analysis tables", "read",
           responses: [(200, "ReportList")]),
        op("getRunAnalysis", "get", "/api/v1/runs/{id}/analysis", "The analysis tables a batch run published, as columns and rows (null: NULL)",
           "read", responses: [(200, "RunAnalysis")]),
        op("getRunAnalysisTable", "get", "/api/v1/runs/{id}/analysis/{table}", "One analysis table of a run as its CSV file (download)", "read",
           responses: [(200, nil)], media: "text/csv"),
        op("getTaskLog", "get", "/api/v1/runs/{id}/tasks/{task}/log", "An attempt's log by byte range (text)", "read",
           query: [("attempt", .integer(1...Int.max), "default the latest"), ("offset", .integer(0...Int.max), "first byte"), ("length", .integer(0...(1 << 20)), "bytes, default and at most 1 MiB"),
                   ("follow", .boolean, "true: stream the log from offset and what the task writes until the attempt ends")],
           responses: [(200, nil)], media: "text/plain"),
        op("triggerRun", "post", "/api/v1/pipelines/{id}/runs", "Trigger a run (Idempotency-Key header: same key, same run, 200)", "operate",
           body: "TriggerBody", responses: [(201, "RunSummary"), (200, "RunSummary")]),
        op("pausePipeline", "post", "/api/v1/pipelines/{id}/pause", "Pause a pipeline", "operate", responses: [(200, "PipelineState")]),
        op("unpausePipeline", "post", "/api/v1/pipelines/{id}/unpause", "Unpause a pipeline (catch-up as its catchup says)", "operate",
           responses: [(200, "PipelineState")]),
        op("backfillPipeline", "post", "/api/v1/pipelines/{id}/backfill", "A run per cron instant of a range that has none", "operate",
           body: "BackfillBody", responses: [(200, "RunList")]),
        op("cancelRun", "post", "/api/v1/runs/{id}/cancel", "Cancel a run", "operate", responses: [(200, "RunSummary")]),
        op("rerunRun", "post", "/api/v1/runs/{id}/rerun", "Rerun failed tasks, or a task and its downstream", "operate",
           body: "RerunBody", responses: [(200, "RunSummary")]),
        op("commentRun", "patch", "/api/v1/runs/{id}", "Write (or clear, with null) what people say about a run", "operate",
           body: "CommentBody", responses: [(200, "RunSummary")]),
        op("markTask", "post", "/api/v1/runs/{id}/tasks/{task}/mark", "Mark a task succeeded or failed", "operate",
           body: "MarkBody", responses: [(200, "RunSummary")]),
        op("signIn", "post", "/api/v1/session", "Sign in (sets the session cookie)", nil, body: "LoginBody", responses: [(200, "SessionView")]),
        op("getSession", "get", "/api/v1/session", "Who is signed in, with the session's CSRF token", "read", responses: [(200, "SessionView")]),
        op("signOut", "delete", "/api/v1/session", "Sign out", "read", responses: [(204, nil)]),
        op("changePassword", "post", "/api/v1/session/password",
           "Change the signed-in user's password; every session of theirs ends and the answer starts a new one", "read",
           body: "PasswordBody", responses: [(200, "SessionView")]),
        op("listUsers", "get", "/api/v1/users", "Users", "administer", responses: [(200, "UserList")]),
        op("createUser", "post", "/api/v1/users", "Create a user", "administer", body: "UserBody", responses: [(201, "UserView")]),
        op("updateUser", "patch", "/api/v1/users/{name}", "Change a user's role, disable or enable it, or set a password it must change", "administer",
           body: "UserChange", responses: [(200, "UserView")]),
        op("listTokens", "get", "/api/v1/tokens", "API tokens (never their secrets)", "administer", responses: [(200, "TokenList")]),
        op("createToken", "post", "/api/v1/tokens", "Create an API token; its secret is in this answer only", "administer",
           body: "TokenBody", responses: [(201, "TokenView")]),
        op("revokeToken", "delete", "/api/v1/tokens/{id}", "Revoke an API token", "administer", responses: [(204, nil)]),
        op("listAuditEvents", "get", "/api/v1/audit", "The audit trail, oldest first", "audit",
           query: [("after", .integer(0...Int.max), "the nextAfter of the previous page"), ("limit", .integer(1...1000), "default 100")],
           responses: [(200, "AuditPage")]),
        op("exportLineage", "get", "/api/v1/lineage/export",
           "OpenLineage run events (START, COMPLETE, FAIL) of every task attempt, oldest first, as JSON lines; X-Lineage-Last-Id pages on", "read",
           query: [("after", .integer(0...Int.max), "events after this id (X-Lineage-Last-Id of the last page)"), ("limit", .integer(1...100_000), "default 10000")],
           responses: [(200, nil)], media: "application/x-ndjson"),
        op("listAlerts", "get", "/api/v1/alerts", "The alert outbox, newest first: each alert, its channel, state, attempts and last error", "read",
           query: [("before", .integer(1...Int.max), "the nextBefore of the previous page"), ("limit", .integer(1...500), "default 100")],
           responses: [(200, "AlertPage")]),
        op("listAlertChannels", "get", "/api/v1/alerts/channels",
           "Each alert channel and its health: the last week's alerts by state, recent delivery attempts, the last test", "read",
           responses: [(200, "AlertChannelList")]),
        op("testAlertChannel", "post", "/api/v1/alerts/test", "Send a test message to a channel now; the answer says whether it was delivered",
           "administer", body: "AlertTestBody", responses: [(200, "AlertTestResult")]),
        op("listLineageDatasets", "get", "/api/v1/lineage/datasets", "Datasets the lineage saw lately, newest first, with the task that last wrote them",
           "read", query: [("q", .string, "only names containing this"), ("limit", .integer(1...1000), "default 100")],
           responses: [(200, "LineageDatasetList")]),
        op("getLineageGraph", "get", "/api/v1/lineage/graph", "A dataset's upstream and downstream: the task attempts that wrote and read it, transitively",
           "read", query: [("dataset", .requiredText(maxLength: 4096), "the dataset's name as the lineage records it")], responses: [(200, "LineageGraph")]),
        op("exportAuditTrail", "get", "/api/v1/audit/export", "The whole audit trail as JSON lines; X-Audit-Chain says whether its hashes hold", "audit",
           responses: [(200, nil)], media: "application/x-ndjson"),
    ]

    private static let runFilters: [Query] = [
        ("state", .choice(["queued", "running", "succeeded", "failed", "cancelled"]), "only runs in this state"),
        ("since", .time, "logical dates from this RFC 3339 time or day (included)"),
        ("until", .time, "logical dates before this RFC 3339 time or day"),
        ("before", .integer(1...Int.max), "the nextBefore of the previous page"),
    ]

    private static func op(
        _ id: String, _ method: String, _ path: String, _ summary: String, _ permission: String?,
        query: [Query] = [], body: String? = nil, responses: [(status: Int, schema: String?)], media: String? = nil
    ) -> Operation {
        Operation(
            id: id, method: method, path: path, summary: summary, permission: permission, query: query, body: body, responses: responses,
            media: media)
    }

    /// The document as JSON, built once.
    static let json: Data = {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method] = describe(operation)
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "AutoOptimize API", "version": "1"],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "an API token or the daemon's local credential"],
                    "session": ["type": "apiKey", "in": "cookie", "name": "ao_session",
                                "description": "panel session; state-changing requests also send X-CSRF-Token"],
                ],
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
    }()

    private static func describe(_ operation: Operation) -> [String: Any] {
        var parameters: [[String: Any]] = pathParameters(operation.path).map {
            let schema: [String: Any] = pathParameterType($0, operation.path) == "integer"
                ? ["type": "integer", "format": "int64", "minimum": 1, "maximum": Int.max] : ["type": "string"]
            return ["name": $0, "in": "path", "required": true, "schema": schema]
        }
        parameters += operation.query.map { query in
            let required = if case .requiredText = query.schema { true } else { false }
            return ["name": query.name, "in": "query", "required": required, "schema": query.schema.json, "description": query.description]
        }
        if operation.path.hasSuffix("/runs"), operation.method == "post" {
            parameters.append(["name": "Idempotency-Key", "in": "header", "required": false, "schema": ["type": "string"],
                               "description": "the same key for the same pipeline returns the same run (200) instead of a new one"])
        }
        var responses: [String: Any] = [:]
        for (status, schema) in operation.responses {
            var response: [String: Any] = ["description": status == 204 ? "done" : "ok"]
            if let schema {
                var content: [String: Any] = ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]
                if let media = operation.media { content[media] = ["schema": ["type": "string"]] }
                response["content"] = content
            } else if let media = operation.media {
                response["content"] = [media: ["schema": media == "application/json" ? ["type": "object"] : ["type": "string"]]]
            }
            responses[String(status)] = response
        }
        let error: [String: Any] = ["content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        for (status, description) in errorResponses(operation) {
            responses[String(status)] = error.merging(["description": description]) { $1 }
        }
        var described: [String: Any] = [
            "operationId": operation.id, "tags": [operation.tag], "summary": operation.summary, "parameters": parameters, "responses": responses,
        ]
        if let body = operation.body {
            described["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]]]
        }
        described["security"] = operation.permission == nil ? [] : [["bearer": []], ["session": []]]
        if let permission = operation.permission { described["x-permission"] = permission }
        return described
    }

    private static func errorResponses(_ operation: Operation) -> [(Int, String)] {
        var errors: [(Int, String)] = []
        if operation.permission != nil { errors += [(401, "no or wrong credentials"), (403, "the role or token scope does not allow it, or a wrong CSRF token")] }
        let integerPath = pathParameters(operation.path).contains { pathParameterType($0, operation.path) == "integer" }
        if operation.body != nil || !operation.query.isEmpty || integerPath { errors.append((400, "a malformed body or parameter")) }
        if operation.body != nil { errors.append((413, "a body over 64 KiB")) }
        if operation.path.contains("{") { errors.append((404, "unknown pipeline, run, task, user or token")) }
        if operation.path == "/api/v1/streams" { errors.append((404, "the daemon has no Kafka connection")) }
        if operation.path.hasPrefix("/api/v1/figures/") { errors.append((404, "no such group, or no seller-figures worker running")) }
        if operation.method == "post", operation.permission == "operate" {
            errors += [(409, "not possible in the current state"), (422, "params that do not fit the pipeline"),
                       (503, "shutting down, or the store could not be read: nothing was done")]
        }
        if operation.path == "/api/v1/session", operation.method == "post" {
            errors += [(401, "wrong name or password"), (415, "a body that is not JSON"), (429, "too many sign-ins (see Retry-After)")]
        }
        if operation.path == "/api/v1/session/password" {
            errors += [(422, "the current password is wrong, or the new one too short or too long for bcrypt"), (429, "too many wrong passwords")]
        }
        if operation.path == "/api/v1/alerts/test" { errors.append((404, "no such channel, or no channels configured")) }
        if operation.path == "/api/v1/tokens", operation.method == "post" { errors.append((422, "a token name or pipeline list that is not allowed")) }
        if operation.path.hasPrefix("/api/v1/users"), operation.method != "get" {
            errors.append((409, operation.method == "post" ? "the name is taken" : "it would leave no enabled admin"))
        }
        if ["/api/v1/users", "/api/v1/users/{name}"].contains(operation.path), operation.method != "get" {
            errors.append((422, "a password shorter than 12 characters or longer than bcrypt takes, or a bad user name"))
        }
        return errors
    }

    /// Run and token ids are numbers; pipeline ids, task ids and user names are text.
    static func pathParameterType(_ name: String, _ path: String) -> String {
        ["task", "name"].contains(name) || (name == "id" && path.contains("pipelines")) ? "string" : "integer"
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}
