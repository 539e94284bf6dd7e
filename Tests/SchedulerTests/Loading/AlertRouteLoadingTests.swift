import Foundation
import Scheduler
import Testing

/// A pipeline's `alerts:` block: channels the settings define, events by name, the settings each event needs;
/// every mistake at its line, with the near miss.
@Suite struct AlertRouteLoadingTests {
    let loader = PipelineLoader(registry: .builtIn, alertChannels: ["oncall-mail", "chat"])

    private func load(_ alerts: String) -> Result<Pipeline, LoadFailure> {
        loader.load(text: "id: p\n\(alerts)tasks:\n  - {id: a, kind: noop}\n", path: "jobs.d/p.yaml")
    }

    private func messages(_ alerts: String) -> [String] {
        if case .failure(let failure) = load(alerts) { return failure.diagnostics.map(\.description) }
        return []
    }

    @Test func aCompleteBlockLoads() throws {
        let pipeline = try load("""
            alerts:
              channels: [chat, oncall-mail]
              on: [task_failed, run_failed, deadline_missed, recovered, service_flapping]
              deadline: 2h
              flapping: {restarts: 5, window: 15m}

            """).get()
        #expect(pipeline.alerts == AlertRoute(
            channels: ["chat", "oncall-mail"], events: Set(AlertEvent.allCases), deadline: .seconds(7200),
            flapping: .init(restarts: 5, window: .seconds(900))))
    }

    @Test func withoutOnATaskOrRunFailureAlerts() throws {
        let pipeline = try load("alerts: {channels: [chat]}\n").get()
        #expect(pipeline.alerts?.events == [.taskFailed, .runFailed])
        #expect(pipeline.alerts?.flapping == AlertRoute.defaultFlapping)
        #expect(try loader.load(text: "id: q\ntasks: [{id: a, kind: noop}]\n", path: "q.yaml").get().alerts == nil)
    }

    @Test func mistakesAreSaidAtTheirLines() {
        #expect(messages("alerts:\n  channels: [chta]\n") == [
            "jobs.d/p.yaml:3: alerts: unknown channel \"chta\" (did you mean \"chat\"? channels: chat, oncall-mail)"
        ])
        #expect(messages("alerts:\n  channels: [chat]\n  on: [task_fialed]\n") == [
            "jobs.d/p.yaml:4: alerts: unknown event \"task_fialed\" (did you mean \"task_failed\"? events: task_failed, run_failed, deadline_missed, recovered, service_flapping)"
        ])
        #expect(messages("alerts:\n  channels: [chat]\n  on: [deadline_missed]\n") == [
            "jobs.d/p.yaml:3: alerts: deadline_missed needs a deadline (such as deadline: 2h, after the run's logical date)"
        ])
        #expect(messages("alerts:\n  channels: [chat]\n  deadline: soon\n").first?.contains("alerts.deadline: \"soon\" is not a duration") == true)
        #expect(messages("alerts:\n  channels: [chat]\n  flapping: {restarts: 0}\n") == ["jobs.d/p.yaml:4: alerts.flapping.restarts must be 1 or more, not 0"])
        #expect(messages("alerts:\n  channels: [chat]\n  onn: [run_failed]\n").first?.contains("unknown key \"onn\"") == true)
    }

    @Test func aDaemonWithoutChannelsRefusesEveryRoute() {
        let bare = PipelineLoader(registry: .builtIn)
        guard case .failure(let failure) = bare.load(text: "id: p\nalerts: {channels: [chat]}\ntasks: [{id: a, kind: noop}]\n", path: "p.yaml") else {
            Issue.record("loaded")
            return
        }
        #expect(failure.diagnostics.map(\.description) == [
            "p.yaml:2: alerts: unknown channel \"chat\" (none is defined in the settings' alerts.channels)"
        ])
    }
}
