import Foundation
import Scheduler
import Testing

@Suite struct PipelineLoaderTests {
    let loader = PipelineLoader(registry: .builtIn)

    private func messages(_ yaml: String) -> [String] {
        switch loader.load(text: yaml, path: "jobs.d/africa.yaml") {
        case .success: return []
        case .failure(let failure): return failure.diagnostics.map(\.description)
        }
    }

    @Test func aCompletePipelineLoadsWithEveryField() throws {
        let yaml = """
            id: africa
            description: Africa trends
            schedule: "30 2 * * MON-FRI"
            timezone: Africa/Casablanca
            catchup: true
            max_active_runs: 2
            max_active_tasks: 4
            params:
              region: {type: string, default: all, enum: [all, north]}
              days: {type: integer, default: 7}
            defaults: {retries: 2, retry_backoff: 30s, retry_backoff_max: 10m, timeout: 1h}
            tasks:
              - id: extract
                kind: shell
                with: {command: "echo extract", env: {A: "1"}}
              - id: trends
                kind: noop
                needs: [extract]
                retries: 0
                timeout: 5m
              - id: cleanup
                kind: noop
                needs: [trends]
                trigger_rule: all_done
              - id: stream
                kind: noop
                service: true
            """
        let pipeline = try loader.load(text: yaml, path: "jobs.d/africa.yaml").get()
        #expect(pipeline.id == PipelineID("africa"))
        #expect(pipeline.schedule?.text == "30 2 * * MON-FRI")
        #expect(pipeline.timeZone.identifier == "Africa/Casablanca")
        #expect(pipeline.catchup && pipeline.maxActiveRuns == 2 && pipeline.maxActiveTasks == 4)
        #expect(pipeline.params.map(\.name) == ["days", "region"])
        #expect(pipeline.task(TaskID("extract"))?.retry == RetryPolicy(retries: 2, backoff: .seconds(30), maxBackoff: .seconds(600)))
        #expect(pipeline.task(TaskID("extract"))?.timeout == .seconds(3600))
        #expect(pipeline.task(TaskID("trends"))?.retry.retries == 0)
        #expect(pipeline.task(TaskID("trends"))?.timeout == .seconds(300))
        #expect(pipeline.task(TaskID("cleanup"))?.triggerRule == .allDone)
        #expect(pipeline.task(TaskID("stream"))?.isService == true)
        #expect(pipeline.task(TaskID("trends"))?.line == 16)
    }

    @Test func theIdDefaultsToTheFileName() throws {
        let pipeline = try loader.load(text: "tasks: [{id: a, kind: noop}]", path: "jobs.d/nightly.yaml").get()
        #expect(pipeline.id == PipelineID("nightly"))
    }

    @Test(arguments: [
        ("tasks:\n  - id: a\n    kind: noop\n    retires: 3\n",
         "jobs.d/africa.yaml:4: tasks[0]: unknown key \"retires\" (did you mean \"retries\"?) (known: id, kind, needs, retries, retry_backoff, retry_backoff_max, service, timeout, trigger_rule, with)"),
        ("tasks:\n  - id: a\n    kind: shel\n",
         "jobs.d/africa.yaml:3: task \"a\": unknown kind \"shel\" (did you mean \"shell\"?) (kinds: noop, shell)"),
        ("tasks:\n  - id: extract\n    kind: noop\n  - id: load\n    kind: noop\n    needs: [trends2]\n",
         "jobs.d/africa.yaml:4: task \"load\" needs \"trends2\", which does not exist (tasks: extract, load)"),
        ("tasks:\n  - {id: a, kind: noop, needs: [c]}\n  - {id: b, kind: noop, needs: [a]}\n  - {id: c, kind: noop, needs: [b]}\n",
         "jobs.d/africa.yaml:2: tasks form a cycle: a → b → c → a"),
        ("schedule: \"0 25 * * *\"\ntasks: [{id: a, kind: noop}]\n",
         "jobs.d/africa.yaml:1: schedule: bad cron \"0 25 * * *\": hour field \"25\": 25 is out of range 0-23"),
        ("timezone: Africa/Casablana\ntasks: [{id: a, kind: noop}]\n",
         "jobs.d/africa.yaml:1: timezone: unknown IANA time zone \"Africa/Casablana\" (did you mean \"Africa/Casablanca\"?)"),
        ("tasks:\n  - id: a\n    kind: noop\n    timeout: 5 minutes\n",
         "jobs.d/africa.yaml:4: timeout: \"5 minutes\" is not a duration (write it like 30s, 5m, 1h30m, 250ms)"),
        ("params:\n  days: {type: integer, default: seven}\ntasks: [{id: a, kind: noop}]\n",
         "jobs.d/africa.yaml:2: param \"days\": \"seven\" is not an integer"),
        ("params:\n  day: {type: datetime}\ntasks: [{id: a, kind: noop}]\n",
         "jobs.d/africa.yaml:2: param \"day\": unknown type \"datetime\" (types: string, integer, number, boolean, date)"),
        ("tasks:\n  - id: a\n    kind: shell\n    with:\n      comand: ls\n",
         "jobs.d/africa.yaml:5: task \"a\" (shell): with: missing required key \"command\" (found \"comand\": a misspelling?)"),
        ("tasks:\n  - id: a\n    kind: noop\n   needs: []\n",
         "jobs.d/africa.yaml:4: malformed YAML: while parsing a block collection did not find expected '-' indicator"),
        ("tasks:\n  - id: a\n    kind: noop\n    trigger_rule: all_sucess\n",
         "jobs.d/africa.yaml:4: task \"a\": unknown trigger_rule \"all_sucess\" (did you mean \"all_success\"?) (rules: all_success, all_done, one_failed, none_failed)"),
        ("tasks:\n  - {id: s, kind: noop, service: true}\n  - {id: b, kind: noop, needs: [s]}\n",
         "jobs.d/africa.yaml:3: task \"b\" needs \"s\", which is a service and never finishes"),
        ("tasks: []\n", "jobs.d/africa.yaml:1: a pipeline needs at least one task"),
        ("", "jobs.d/africa.yaml: the file is empty"),
    ])
    func badInputGetsOneLocatedMessage(yaml: String, message: String) {
        #expect(messages(yaml) == [message])
    }

    @Test func severalProblemsAreReportedTogether() {
        let found = messages("schedule: \"61 * * * *\"\ntimezone: Mars/Olympus\ntasks:\n  - {id: a, kind: nope}\n")
        #expect(found.count == 3)
        #expect(found.map { $0.split(separator: ":")[1] } == ["1", "2", "4"])
    }

    @Test func aDirectoryLoadKeepsGoodFilesAndReportsBrokenOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "tasks: [{id: a, kind: noop}]".write(to: directory.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try "tasks: [{id: a, kind: nope}]".write(to: directory.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        try "id: good\ntasks: [{id: a, kind: noop}]".write(to: directory.appendingPathComponent("twin.yaml"), atomically: true, encoding: .utf8)
        try "not yaml".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = loader.load(directory: directory)
        #expect(result.pipelines.map(\.id.rawValue) == ["good"])
        #expect(result.failures.count == 2)
        #expect(result.allDiagnostics.contains { $0.message.hasPrefix("pipeline id \"good\" is already used by") })
    }
}
