import Foundation
import Logging
import Scheduler

/// What the batch kinds share when they run: the daemon's `BatchHub`, the run's partition key, paths from the run's
/// params, and the lake datasets they report for lineage.
struct BatchRun {
    let hub: BatchHub.Resources
    let context: JobContext
    /// `date=…` of every partition the run writes and reads (beside its pipeline's).
    let date: String

    init(hub: BatchHub?, context: JobContext, kind: String) throws {
        guard let hub else { throw JobFailure("\(kind) needs the daemon's lake and warehouse (it cannot run outside `autooptimize serve`)") }
        do {
            self.hub = try hub.resources()
        } catch {
            throw JobFailure("the lake, vault or warehouse cannot be opened: \(error)")
        }
        self.context = context
        date = BatchHub.dateKey(context.logicalDate)
    }

    /// `setting` when the task's `with:` gives it, else the run's param `name`; a leading `{data}` is the daemon's
    /// data directory (where the demo's input is written).
    func path(_ setting: String?, param name: String) throws -> String {
        var text: String
        if let setting, !setting.isEmpty {
            text = setting
        } else if let value = context.params[name], case .string(let given) = value, !given.isEmpty {
            text = given
        } else {
            throw JobFailure("no \(name): give the run a `\(name)` param, or the task `with: {\(name): …}`")
        }
        if text == "{data}" || text.hasPrefix("{data}/") { text = context.dataDirectory.path + text.dropFirst("{data}".count) }
        return text
    }

    /// `zone/dataset/pipeline=…/date=…`: each pipeline's runs apart (two pipelines may share a logical date).
    func partition(_ zone: LakeZone, _ dataset: String) -> LakePartition {
        BatchHub.partition(zone, dataset, pipeline: context.pipeline.rawValue, date: date)
    }

    /// The partition this run's earlier step published. - Throws: naming the step that should have published it.
    func published(_ zone: LakeZone, _ dataset: String, by step: String) throws -> (partition: LakePartition, directory: URL, manifest: LakeManifest) {
        let partition = partition(zone, dataset)
        guard let manifest = try hub.lake.manifest(of: partition) else {
            throw JobFailure("\(partition) is not in the lake: run `\(step)` for this logical date first")
        }
        let directory = try hub.lake.read(partition)
        context.reporter.read(.init(
            name: "\(hub.lake.namespace)/\(partition)", rows: manifest.rows, bytes: manifest.files.reduce(0) { $0 + $1.bytes },
            schema: manifest.schema.map { .init(name: $0.name, type: $0.type) }))
        return (partition, directory, manifest)
    }

    /// Publishes a staged partition and reports it.
    @discardableResult
    func publish(_ partition: LakePartition, staged: URL, rows: [String: Int], schema: [LakeManifest.Column]) throws -> LakeManifest {
        let manifest = try hub.lake.publish(partition, staged: staged, rows: rows, schema: schema, run: context.run.description)
        context.reporter.wrote(.init(
            name: "\(hub.lake.namespace)/\(partition)", rows: manifest.rows, bytes: manifest.files.reduce(0) { $0 + $1.bytes },
            checksum: manifest.files.count == 1 ? manifest.files[0].sha256 : nil, schema: manifest.schema.map { .init(name: $0.name, type: $0.type) }))
        context.logger.info("published \(partition): \(manifest.files.count) files, \(manifest.rows) rows")
        return manifest
    }
}
