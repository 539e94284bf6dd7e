public import Foundation
import DequeModule
public import Logging
public import ServiceLifecycle

/// Starts runs when their schedule, their upstream or a person says so, and
/// drives every task run through its state machine.
///
/// One actor, one loop: events come in through the inbox (triggers, finished
/// attempts, timers, reloads), a batch at a time; handling them changes the
/// in-memory state and lists the store changes and the actions to take; the
/// changes are written in one transaction, and only then are the actions taken
/// (attempts launched, replies sent, timers armed). Attempts are child tasks of
/// the engine's task group, so shutdown reaches them by construction.
///
/// ```swift
/// let engine = Engine(store: store, runner: InProcessRunner(dataDirectory: dir), initial: loaded, configuration: .init(dataDirectory: dir))
/// let group = ServiceGroup(services: [engine], logger: logger)
/// let result = try await engine.trigger(TriggerRequest(pipeline: PipelineID("demo")))
/// ```
public actor Engine: Service {
    /// How the engine runs; every default is the embedded demo's.
    public struct Configuration: Sendable {
        /// Attempts that may run at once, across all pipelines.
        public var maxRunningTasks: Int
        /// Where attempt logs go (`<dir>/logs/<pipeline>/<run>/<task>.<attempt>.log`).
        public var dataDirectory: URL
        /// Cap on catch-up runs created for one pipeline at once.
        public var catchupLimit: Int
        /// How long a graceful shutdown waits for running batch attempts before interrupting them.
        public var shutdownGrace: Duration
        /// Random numbers for retry jitter; fixed in tests.
        public var jitter: @Sendable () -> Double
        /// Alerts of pipelines without an `alerts:` block (the settings' `alerts.default`).
        public var alertDefault: AlertRoute?
        /// At most one alert per pipeline, task and event in this time; the others are counted into the next.
        public var alertThrottle: Duration

        public init(
            maxRunningTasks: Int = 32, dataDirectory: URL, catchupLimit: Int = 1000, shutdownGrace: Duration = .seconds(10),
            jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, alertDefault: AlertRoute? = nil,
            alertThrottle: Duration = .seconds(900)
        ) {
            self.maxRunningTasks = maxRunningTasks
            self.dataDirectory = dataDirectory
            self.catchupLimit = catchupLimit
            self.shutdownGrace = shutdownGrace
            self.jitter = jitter
            self.alertDefault = alertDefault
            self.alertThrottle = alertThrottle
        }
    }

    /// Something to do once the batch's changes are in the store.
    enum Action {
        case launch(AttemptRequest)
        case stop(AttemptStopSignal, StopReason)
        case arm(EngineTimer, at: Date)
        case reply(@Sendable () -> Void)
    }

    enum Phase { case running, draining }

    /// An attempt under way: its row as started, and the signal that stops it.
    struct RunningAttempt {
        let attempt: Attempt
        let signal: AttemptStopSignal
        let pipeline: PipelineID
    }

    let store: Store
    let runner: any AttemptRunner
    let clock: any SchedulerClock
    let logger: Logger
    let configuration: Configuration
    let inbox = EngineInbox()
    let timers: EngineTimers
    let hub = NotificationHub()
    /// Durations and lag, for `/metrics`.
    public nonisolated let metrics = EngineMetrics()

    var phase = Phase.running
    var pipelines: [PipelineID: Pipeline] = [:]
    var pipelineFiles: [String: PipelineID] = [:]
    var states: [PipelineID: PipelineState] = [:]
    var loadFailures: [String: [Diagnostic]] = [:]
    var cronGenerations: [PipelineID: Int] = [:]
    var runs: [RunID: ActiveRun] = [:]
    var runningRuns: [PipelineID: Int] = [:]
    var queuedRuns: [PipelineID: Deque<RunID>] = [:]
    var nextRunID: Int64 = 1
    var admission: Admission
    var slotHolders: Set<RunID> = []
    var running: [AttemptKey: RunningAttempt] = [:]
    var initialLoad: PipelineLoader.DirectoryResult?
    /// When each pipeline/task/event last raised an alert, and how many were held back since (throttling).
    var alertTimes: [String: Date] = [:]
    var alertsHeldBack: [String: Int] = [:]
    /// When each service task run was restarted lately, for `service_flapping`.
    var serviceRestarts: [TaskRunKey: [Date]] = [:]
    /// Each pipeline's last finished run's outcome (succeeded or failed), for `recovered`.
    var lastOutcomes: [PipelineID: RunState] = [:]

    // The batch being handled.
    var changes: [StoreChange] = []
    var actions: [Action] = []
    var notifications: [EngineNotification] = []

    public init(
        store: Store, runner: any AttemptRunner, initial: PipelineLoader.DirectoryResult, configuration: Configuration,
        clock: any SchedulerClock = SystemClock(), logger: Logger = Logger(label: "autooptimize.engine")
    ) {
        self.store = store
        self.runner = runner
        self.clock = clock
        self.logger = logger
        self.configuration = configuration
        self.timers = EngineTimers(clock: clock)
        self.admission = Admission(globalLimit: configuration.maxRunningTasks)
        self.initialLoad = initial
    }

    // MARK: - The loop

    public func run() async throws {
        try recover()
        if let initial = initialLoad {
            initialLoad = nil
            handleLoaded(initial)
        }
        let timers = self.timers
        let inbox = self.inbox
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await timers.run { inbox.post(.timerFired($0)) } }
                await self.loop(&group)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            inbox.post(.shutdown)
        }
        for event in inbox.close() { refuse(event) }
        hub.finish()
        logger.info("engine stopped")
    }

    private func loop(_ group: inout DiscardingTaskGroup) async {
        // The first pass records and acts on what start-up (recovery, the initial load) prepared.
        var batch = EngineInbox.Batch(events: [], postedAt: nil)
        while true {
            for event in batch.events { handle(event) }
            if phase == .running { admitQueued() }
            await commit()
            perform(&group)
            if let posted = batch.postedAt { metrics.acted(onEventsPostedAt: posted) }
            if phase == .draining, running.isEmpty { return }
            batch = await inbox.next(ignoringCancellation: phase == .draining)
            if batch.events.isEmpty, Task.isCancelled { beginDrain(graceful: false) }
        }
    }

    private func handle(_ event: EngineEvent) {
        switch event {
        case .trigger(let request, let reply): handleTrigger(request, reply)
        case .backfill(let request, let reply): handleBackfill(request, reply)
        case .cancelRun(let id, let by, let reply): handleCancel(id, by: by, reply)
        case .rerun(let id, let from, let reply): handleRerun(id, from: from, reply)
        case .mark(let id, let task, let state, let by, let reply): handleMark(id, task, state, by: by, reply)
        case .setPaused(let id, let paused, let reply): handlePause(id, paused, reply)
        case .pipelinesLoaded(let result): handleLoaded(result)
        case .attemptFinished(let key, let result, let at): handleFinished(key, result.outcome, report: result.report, at: at)
        case .timerFired(let timer): handleTimer(timer)
        case .shutdown: beginDrain(graceful: true)
        }
    }

    /// Writes the batch's changes; on failure, keeps trying (nothing is acted on before it is recorded).
    ///
    /// Once the engine's task is cancelled (torn down rather than shut down gracefully),
    /// the write blocks instead of going through GRDB's async path, which refuses to
    /// start in a cancelled task; after a few failed tries it gives up, since the next
    /// start recovers from the last state recorded.
    private func commit() async {
        var delay = 0.05
        var failures = 0
        while !changes.isEmpty {
            do {
                if Task.isCancelled {
                    try store.applyNow(changes)
                } else {
                    try await store.apply(changes)
                }
                changes.removeAll(keepingCapacity: true)
            } catch {
                failures += 1
                logger.error("could not record engine state; retrying", metadata: [LogKey.error: "\(error)"])
                if Task.isCancelled, failures >= 5 {
                    changes.removeAll()
                    return
                }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }

    private func perform(_ group: inout DiscardingTaskGroup) {
        for action in actions {
            switch action {
            case .launch(let request):
                let runner = self.runner
                let inbox = self.inbox
                let clock = self.clock
                group.addTask {
                    let result = await runner.run(request)
                    inbox.post(.attemptFinished(request.key, result, at: clock.now()))
                }
            case .stop(let signal, let reason):
                signal.stop(reason)
            case .arm(let timer, let deadline):
                timers.arm(timer, at: deadline)
            case .reply(let send):
                send()
            }
        }
        actions.removeAll(keepingCapacity: true)
        hub.publish(notifications)
        notifications.removeAll(keepingCapacity: true)
    }

    /// Stops taking new work; the loop ends once no attempt runs.
    ///
    /// A graceful shutdown lets batch attempts finish for up to `shutdownGrace`, then
    /// interrupts the rest (their tasks run again at the next start without using a
    /// retry); services, which never finish, stop at once. A torn-down engine (its task
    /// cancelled) interrupts everything at once.
    private func beginDrain(graceful: Bool) {
        guard phase == .running else { return }
        phase = .draining
        logger.info("engine draining", metadata: [LogKey.count: "\(running.count)"])
        for (key, attempt) in running where !graceful || isService(key) {
            actions.append(.stop(attempt.signal, .shutdown))
        }
        if graceful, !running.isEmpty {
            arm(.drainDeadline, at: clock.now().addingTimeInterval(configuration.shutdownGrace.seconds))
        }
    }

    /// The grace period is over: interrupt what still runs.
    func interruptRemaining() {
        for attempt in running.values { actions.append(.stop(attempt.signal, .shutdown)) }
    }

    private func isService(_ key: AttemptKey) -> Bool {
        guard let active = runs[key.taskRun.run], let index = active.index(of: key.taskRun.task) else { return false }
        return active.pipeline.tasks[index].isService
    }

    private func refuse(_ event: EngineEvent) {
        switch event {
        case .trigger(_, let reply): reply(.failure(.shuttingDown))
        case .backfill(_, let reply): reply(.failure(.shuttingDown))
        case .cancelRun(_, _, let reply), .rerun(_, _, let reply), .mark(_, _, _, _, let reply): reply(.failure(.shuttingDown))
        case .setPaused(_, _, let reply): reply(.failure(.shuttingDown))
        case .pipelinesLoaded, .attemptFinished, .timerFired, .shutdown: break
        }
    }

    // MARK: - Recording helpers

    /// Answers after the batch commits; a success's audit entry commits in that same batch.
    func reply<Value: Sendable>(_ reply: Reply<Value>, _ result: Result<Value, EngineError>) {
        if case .success = result, let audit = reply.audit { changes.append(.appendAudit(audit)) }
        actions.append(.reply { reply(result) })
    }

    // Notifications are collected whether or not anyone listens yet: a reader that subscribes
    // between a change being made here and its commit (as `GET /runs/{id}?wait=` does, then
    // looks at the store) must still hear of it when the batch is published.
    func save(_ taskRun: TaskRun) {
        changes.append(.updateTaskRun(taskRun))
        notifications.append(.taskRunChanged(taskRun, pipeline: runs[taskRun.key.run]?.run.pipeline ?? PipelineID("")))
    }

    func save(_ run: Run) {
        changes.append(.updateRun(run))
        notifications.append(.runChanged(run))
    }

    func save(_ state: PipelineState) {
        states[state.id] = state
        changes.append(.savePipeline(state))
    }

    func arm(_ timer: EngineTimer, at deadline: Date) { actions.append(.arm(timer, at: deadline)) }
}
