import Foundation
import Scheduler

/// The schemas of the API document's bodies. States, roles and triggers are enums from the model's own cases,
/// so that a generated client gets types rather than strings, and a new state cannot be left out.
extension OpenAPIDocument {
    /// Built on use, not stored: `[String: Any]` is not `Sendable`.
    static var schemas: [String: Any] {
        func object(_ properties: [String: Any], required: [String] = []) -> [String: Any] {
            ["type": "object", "properties": properties, "required": required]
        }
        let string: [String: Any] = ["type": "string"]
        let integer: [String: Any] = ["type": "integer"]
        let boolean: [String: Any] = ["type": "boolean"]
        let time: [String: Any] = ["type": "string", "format": "date-time"]
        let optionalTime: [String: Any] = ["type": ["string", "null"], "format": "date-time"]
        let params: [String: Any] = ["type": "object", "additionalProperties": ["type": ["string", "integer", "number", "boolean"]]]
        let nullableParams: [String: Any] = ["type": ["object", "null"], "additionalProperties": ["type": ["string", "integer", "number", "boolean"]]]
        func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
        func list(_ name: String) -> [String: Any] { ["type": "array", "items": ref(name)] }
        func choice(_ values: [String]) -> [String: Any] { ["type": "string", "enum": values] }
        let runState = choice(RunState.allCases.map(\.rawValue))
        let taskState = choice(TaskRunState.allCases.map(\.rawValue))
        let attemptState = choice(AttemptState.allCases.map(\.rawValue))
        let role = choice(Role.allCases.map(\.rawValue))
        let paramValue: [String: Any] = ["type": ["string", "integer", "number", "boolean"]]
        let comment: [String: Any] = ["type": ["string", "null"], "maxLength": RunComment.maximumLength, "pattern": RunComment.pattern]
        let run = object([
            "id": integer, "pipeline": string, "trigger": choice(RunTrigger.allCases.map(\.rawValue)), "logicalDate": time, "state": runState,
            "params": params,
            "idempotencyKey": ["type": ["string", "null"]], "createdAt": time, "startedAt": optionalTime, "finishedAt": optionalTime,
            "note": ["type": ["string", "null"]], "triggeredBy": ["type": ["string", "null"]], "comment": ["type": ["string", "null"]],
        ], required: ["id", "pipeline", "trigger", "logicalDate", "state", "params", "createdAt"])
        return [
            "Error": object(["error": object(["code": string, "message": string], required: ["code", "message"])], required: ["error"]),
            "SellerFigures": object([
                "group": string, "pipeline": string, "events": integer, "duplicates": integer, "deadLetters": integer,
                "eventsPerSecond": ["type": "number"], "lag": ["type": ["integer", "null"]],
                "sellers": ["type": "array", "items": object([
                    "seller_id": string, "seller_name": string, "deals_won": integer, "deals_lost": integer, "deals_open": integer,
                    "revenue_usd": ["type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$"], "conversion": ["type": ["string", "null"]],
                ], required: ["seller_id", "seller_name", "deals_won", "deals_lost", "deals_open", "revenue_usd"])],
            ], required: ["group", "pipeline", "sellers", "events", "duplicates", "deadLetters", "eventsPerSecond"]),
            "FiguresSummary": object([
                "group": string, "pipeline": string, "groups": ["type": "array", "items": string], "dealsInProgress": integer, "revenueUSD": string, "events": integer, "deadLetters": integer,
                "eventsPerSecond": ["type": "number"], "lag": ["type": ["integer", "null"]],
                "topByRevenue": list("Leader"), "topByDealsWon": list("Leader"),
                "revenueByHour": ["type": "array", "items": object(["start": time, "deals_won": integer, "revenue_usd": string],
                                                                  required: ["start", "deals_won", "revenue_usd"])],
            ], required: ["group", "pipeline", "topByRevenue", "topByDealsWon", "dealsInProgress", "revenueByHour"]),
            "RunRejects": object([
                "run": integer, "total": integer, "offset": integer,
                "reasons": ["type": "array", "items": object(["reason": string, "rows": integer], required: ["reason", "rows"])],
                "rows": ["type": "array", "items": object([
                    "file": string, "line": integer, "reason": string, "detail": string,
                    "fields": ["type": "object", "additionalProperties": string],
                ], required: ["file", "line", "reason", "detail", "fields"])],
            ], required: ["run", "total", "offset", "reasons", "rows"]),
            "ReportList": object([
                "reports": ["type": "array", "items": object(["pipeline": string, "run": ref("RunSummary"), "tables": ["type": "array", "items": string]],
                                                            required: ["pipeline", "run", "tables"])],
            ], required: ["reports"]),
            "RunAnalysis": object([
                "run": ref("RunSummary"),
                "tables": ["type": "array", "items": object([
                    "name": string, "columns": ["type": "array", "items": string],
                    "rows": ["type": "array", "items": ["type": "array", "items": ["type": ["string", "null"]]]],
                ], required: ["name", "columns", "rows"])],
            ], required: ["run", "tables"]),
            "AlertPage": object([
                "alerts": ["type": "array", "items": object([
                    "id": integer, "event": ["type": "string", "enum": AlertEvent.allCases.map(\.rawValue)], "channel": string, "pipeline": string,
                    "run": ["type": ["integer", "null"]], "task": ["type": ["string", "null"]], "attempt": ["type": ["integer", "null"]],
                    "error": ["type": ["string", "null"]], "heldBack": integer, "createdAt": time,
                    "state": ["type": "string", "enum": ["pending", "sent", "failed"]], "attempts": integer,
                    "lastError": ["type": ["string", "null"]], "deliveredAt": ["type": ["string", "null"]],
                ], required: ["id", "event", "channel", "pipeline", "heldBack", "createdAt", "state", "attempts"])],
                "nextBefore": ["type": ["integer", "null"]],
            ], required: ["alerts"]),
            "AlertTestBody": object(["channel": string], required: ["channel"]),
            "AlertTestResult": object([
                "channel": string, "delivered": boolean, "detail": ["type": ["string", "null"]], "at": time, "requestedBy": string,
            ], required: ["channel", "delivered", "at", "requestedBy"]),
            "AlertChannelList": object([
                "channels": ["type": "array", "items": object([
                    "name": string, "type": ["type": "string", "enum": ["email", "webhook"]], "target": string,
                    "health": ["type": "string", "enum": ["ok", "failing", "unknown"]], "sent": integer, "pending": integer, "failed": integer,
                    "lastSentAt": ["type": ["string", "null"]], "lastTest": ["oneOf": [ref("AlertTestResult"), ["type": "null"]]],
                    "recent": ["type": "array", "items": object([
                        "alert": integer, "event": string, "pipeline": string, "run": ["type": ["integer", "null"]], "at": time,
                        "outcome": ["type": "string", "enum": ["sent", "retry", "failed"]], "detail": ["type": ["string", "null"]],
                    ], required: ["alert", "event", "pipeline", "at", "outcome"])],
                ], required: ["name", "type", "target", "health", "sent", "pending", "failed", "recent"])],
            ], required: ["channels"]),
            "LineageDatasetList": object([
                "datasets": ["type": "array", "items": object([
                    "name": string, "pipeline": string, "task": string, "run": integer, "time": time, "written": boolean, "rows": ["type": ["integer", "null"]],
                ], required: ["name", "pipeline", "task", "run", "time", "written"])],
            ], required: ["datasets"]),
            "LineageGraph": object([
                "dataset": string, "truncated": boolean,
                "upstream": list("LineageJob"), "downstream": list("LineageJob"),
            ], required: ["dataset", "truncated", "upstream", "downstream"]),
            "LineageJob": object([
                "pipeline": string, "task": string, "run": integer, "attempt": integer, "logicalDate": time, "time": time,
                "inputs": list("LineageDataset"), "outputs": list("LineageDataset"),
            ], required: ["pipeline", "task", "run", "attempt", "logicalDate", "time", "inputs", "outputs"]),
            "LineageDataset": object([
                "name": string, "rows": ["type": ["integer", "null"]], "bytes": ["type": ["integer", "null"]], "checksum": ["type": ["string", "null"]],
            ], required: ["name"]),
            "Leader": object(["seller_id": string, "seller_name": string, "deals_won": integer, "revenue_usd": string],
                             required: ["seller_id", "seller_name", "deals_won", "revenue_usd"]),
            "Streams": object([
                "bootstrap": string, "embedded": boolean, "reachable": boolean, "error": ["type": ["string", "null"]], "brokers": integer,
                "topics": ["type": "array", "items": object([
                    "name": string, "error": ["type": ["string", "null"]],
                    "partitions": ["type": "array", "items": object(["partition": integer, "low": integer, "high": integer])],
                ])],
                "groups": ["type": "array", "items": object([
                    "name": string, "pipeline": ["type": ["string", "null"]], "state": ["type": ["string", "null"]],
                    "members": ["type": "array", "items": string], "lag": ["type": ["integer", "null"]], "error": ["type": ["string", "null"]],
                    "elasticsearch": object(
                        ["url": string, "pending": integer, "indexed": integer, "rejected": integer, "error": ["type": ["string", "null"]]],
                        required: ["url", "pending", "indexed", "rejected"]),
                    "positions": ["type": "array", "items": object([
                        "topic": string, "partition": integer, "next": integer, "end": ["type": ["integer", "null"]], "lag": ["type": ["integer", "null"]],
                    ])],
                ])],
            ], required: ["bootstrap", "embedded", "reachable", "brokers", "topics", "groups"]),
            "Health": object(["status": string, "activeRuns": integer, "runningAttempts": integer, "queuedTasks": integer]),
            "RunSummary": run,
            "RunPage": object(["runs": list("RunSummary"), "nextBefore": ["type": ["integer", "null"]]], required: ["runs"]),
            "RunList": object(["runs": list("RunSummary")], required: ["runs"]),
            "RunDetail": object([
                "run": ref("RunSummary"),
                "tasks": ["type": "array", "items": object(["task": string, "state": taskState, "tries": integer, "attempts": integer,
                                                           "reason": ["type": ["string", "null"]], "retryAt": optionalTime,
                                                           "queuedAt": optionalTime, "startedAt": optionalTime, "finishedAt": optionalTime])],
                "attempts": ["type": "array", "items": object(["task": string, "number": integer, "state": attemptState,
                                                              "queuedAt": optionalTime, "startedAt": time,
                                                              "finishedAt": optionalTime, "exitCode": ["type": ["integer", "null"]],
                                                              "reason": ["type": ["string", "null"]]])],
            ], required: ["run", "tasks", "attempts"]),
            "PipelineSummary": object(["id": string, "description": string, "file": string,
                                       "schedule": ["type": ["string", "null"]], "timezone": string, "paused": boolean,
                                       "nextRunAt": optionalTime, "loadError": ["type": ["string", "null"]],
                                       "tasks": ["type": "array", "items": string],
                                       "needs": ["type": "object", "additionalProperties": ["type": "array", "items": string]],
                                       "params": ["type": "array", "items": object([
                                           "name": string, "type": choice(["string", "integer", "number", "boolean", "date"]),
                                           "defaultValue": ["type": ["string", "integer", "number", "boolean", "null"]],
                                           "allowed": ["type": ["array", "null"], "items": paramValue], "description": ["type": ["string", "null"]],
                                       ])],
                                       "lastRuns": ["type": "array", "items": object(["id": integer, "state": runState, "logicalDate": time,
                                                                                       "startedAt": optionalTime, "finishedAt": optionalTime])]],
                                      required: ["id", "tasks", "needs", "params", "lastRuns"]),
            "PipelineList": object([
                "pipelines": list("PipelineSummary"),
                "brokenFiles": ["type": "object", "additionalProperties": ["type": "array", "items": string]],
            ]),
            "PipelineDetail": object([
                "pipeline": ref("PipelineSummary"),
                "taskDetails": ["type": "array", "items": object([
                    "id": string, "kind": string, "needs": ["type": "array", "items": string], "triggerRule": string, "retries": integer,
                    "timeout": ["type": ["string", "null"]], "service": boolean,
                ])],
                "definition": ["type": "string", "description": "the YAML text the pipeline was loaded from"],
            ], required: ["pipeline", "taskDetails", "definition"]),
            "GridPage": object([
                "runs": ["type": "array", "items": object(["run": ref("RunSummary"), "tasks": ["type": "object", "additionalProperties": taskState]])],
                "nextBefore": ["type": ["integer", "null"]],
            ], required: ["runs"]),
            "PipelineState": object(["id": string, "paused": boolean], required: ["id", "paused"]),
            "TriggerBody": object(["params": nullableParams, "idempotencyKey": ["type": ["string", "null"]], "comment": comment]),
            "CommentBody": object(["comment": comment], required: ["comment"]),
            "Calendar": object([
                "pipeline": string, "timezone": string,
                "days": ["type": "array", "items": object([
                    "day": ["type": "string", "format": "date"], "total": integer,
                    "states": ["type": "object", "additionalProperties": integer, "propertyNames": runState],
                ], required: ["day", "total", "states"])],
            ], required: ["pipeline", "timezone", "days"]),
            "BackfillBody": object(["from": time, "to": time, "params": nullableParams], required: ["from", "to"]),
            "RerunBody": object(["task": ["type": ["string", "null"]]]),
            "MarkBody": object(["state": ["type": "string", "enum": ["succeeded", "failed"]]], required: ["state"]),
            "LoginBody": object(["name": string, "password": string], required: ["name", "password"]),
            "SessionView": object(["name": string, "role": role, "csrfToken": ["type": ["string", "null"]], "mustChangePassword": boolean],
                                  required: ["name", "role"]),
            "PasswordBody": object(["current": string, "new": ["type": "string", "minLength": 12, "maxLength": 72]], required: ["current", "new"]),
            "UserChange": object(["role": ["anyOf": [role, ["type": "null"]]],
                                  "disabled": ["type": ["boolean", "null"]], "password": ["type": ["string", "null"], "minLength": 12, "maxLength": 72]]),
            "UserBody": object(["name": ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"],
                                "role": role,
                                "password": ["type": "string", "minLength": 12, "maxLength": 72]], required: ["name", "role", "password"]),
            "UserView": object(["name": string, "role": role, "disabled": boolean, "mustChangePassword": boolean]),
            "UserList": object(["items": list("UserView")]),
            "TokenBody": object(["name": ["type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]([ -~]*[!-~])?$"],
                                 "role": role,
                                 "pipelines": ["type": ["array", "null"], "minItems": 1, "maxItems": 100,
                                               "items": ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$"]],
                                 "expiresInDays": ["type": ["integer", "null"], "minimum": 1, "maximum": 3650,
                                                   "description": "default 90"]], required: ["name", "role"]),
            "TokenView": object(["id": integer, "name": string, "role": role, "pipelines": ["type": ["array", "null"], "items": string],
                                 "expiresAt": optionalTime, "revoked": boolean, "token": ["type": ["string", "null"]]]),
            "TokenList": object(["items": list("TokenView")]),
            "AuditPage": object([
                "events": ["type": "array", "items": object(["id": integer, "at": time, "actor": string, "role": string, "action": string,
                                                            "target": string, "address": string, "outcome": string, "hash": string])],
                "nextAfter": ["type": ["integer", "null"]],
            ]),
        ]
    }
}
