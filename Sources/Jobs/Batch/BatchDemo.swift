public import Foundation
public import Scheduler

/// The batch demo (`serve --demo`): historical sales from the project's own generator, written into
/// `<data>/incoming` on the first start, where the shipped africa-trends pipeline's params point by default, so that
/// the pipeline runs out of the box and the panel's reports fill.
public enum BatchDemo {
    /// Rows of the demo's sales: enough for every region's trend, small enough to run in a few seconds.
    static let rows = 20_000

    /// Writes the demo's sales (four files, some rows broken on purpose) and FX rates into `<data>/incoming`, unless
    /// it exists: a person's own files there are never touched. Written aside and renamed into place, so a crash
    /// never leaves half a demo. Returns whether it wrote them.
    public static func writeInputIfMissing(dataDirectory: URL) throws -> Bool {
        let incoming = dataDirectory.appendingPathComponent("incoming")
        guard !FileManager.default.fileExists(atPath: incoming.path) else { return false }
        let staging = dataDirectory.appendingPathComponent(".incoming-\(UUID().uuidString)")
        do {
            try HistoricalSalesGenerator(rows: rows, files: 4, seed: 42).write(to: staging)
            try FileManager.default.moveItem(at: staging, to: incoming)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return true
    }

    /// The pipelines the demo's input is for: those with a param whose default is a path in `{data}/incoming`.
    public static func pipelinesReadingIt(_ pipelines: [Pipeline]) -> [PipelineID] {
        pipelines.filter { pipeline in
            pipeline.params.contains { spec in
                if case .string(let path) = spec.defaultValue { path.hasPrefix("{data}/incoming/") } else { false }
            }
        }.map(\.id)
    }
}
