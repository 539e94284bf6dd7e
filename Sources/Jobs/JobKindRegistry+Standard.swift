public import Scheduler

extension JobKindRegistry {
    /// Every kind the daemon offers: the built-in `shell` and `noop`, and the data kinds of this module. The
    /// streaming kinds get the daemon's `StreamingHub`; without one (`autooptimize validate`), their settings are
    /// still checked and they refuse to run.
    public static func standard(streaming hub: StreamingHub? = nil) -> JobKindRegistry {
        var registry = JobKindRegistry.builtIn
        registry.register(SellerFiguresJob.self) { try SellerFiguresJob(settings: $0, hub: hub) }
        registry.register(SalesSimulatorJob.self) { try SalesSimulatorJob(settings: $0, hub: hub) }
        return registry
    }
}
