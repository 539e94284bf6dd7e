public import Scheduler

extension JobKindRegistry {
    /// Every kind the daemon offers: the built-in `shell` and `noop`, and the data kinds of this module. The
    /// streaming kinds get the daemon's `StreamingHub`, the batch kinds its `BatchHub`; without them (`autooptimize
    /// validate`), their settings are still checked and they refuse to run.
    public static func standard(streaming hub: StreamingHub? = nil, batch: BatchHub? = nil) -> JobKindRegistry {
        var registry = JobKindRegistry.builtIn
        registry.register(SellerFiguresJob.self) { try SellerFiguresJob(settings: $0, hub: hub) }
        registry.register(SalesSimulatorJob.self) { try SalesSimulatorJob(settings: $0, hub: hub) }
        registry.register(SalesExtractJob.self) { SalesExtractJob(settings: $0, hub: batch) }
        registry.register(SalesCleanJob.self) { _ in SalesCleanJob(hub: batch) }
        registry.register(AfricaTrendsJob.self) { _ in AfricaTrendsJob(hub: batch) }
        registry.register(WarehouseLoadJob.self) { _ in WarehouseLoadJob(hub: batch) }
        return registry
    }
}
