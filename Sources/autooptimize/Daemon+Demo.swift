import Foundation
import Jobs
import Logging
import Scheduler
import ServiceLifecycle

extension Daemon {
    /// With `demo` on, the batch demo's input on the first start (`BatchDemo`): returns the pipelines to run once on
    /// it, none when `<data>/incoming` was already there.
    func writeDemoInput(for pipelines: [Pipeline], data: URL, logger: Logger) throws(DaemonError) -> [PipelineID] {
        guard settings.demo else { return [] }
        let readers = BatchDemo.pipelinesReadingIt(pipelines)
        guard !readers.isEmpty else { return [] }
        do {
            guard try BatchDemo.writeInputIfMissing(dataDirectory: data) else { return [] }
        } catch {
            throw DaemonError("cannot write the demo's sales into \(data.appendingPathComponent("incoming").path): \(error)")
        }
        logger.info("demo: wrote historical sales (some rows broken on purpose) and FX rates into \(data.appendingPathComponent("incoming").path)")
        return readers
    }
}

/// Runs the demo's pipelines once on their freshly written input, through the engine like any trigger (the
/// idempotency key makes a second start with the same store find the same run), then ends without ending the daemon.
struct DemoTrigger: Service {
    let engine: Engine
    let pipelines: [PipelineID]
    let logger: Logger

    func run() async throws {
        for pipeline in pipelines {
            do {
                let result = try await engine.trigger(
                    TriggerRequest(
                        pipeline: pipeline, idempotencyKey: "demo-first-start", requestedBy: "autooptimize --demo",
                        comment: "The demo's first run, on the historical sales written into the data directory's incoming/"))
                logger.info("demo: run \(result.run.id) of \(pipeline) started on the demo's sales")
            } catch {
                logger.warning("demo: could not start \(pipeline): \(error)")
            }
        }
    }
}
