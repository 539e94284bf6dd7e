import Foundation
import Logging
public import Scheduler

/// `kind: sales-extract`: the sales files (`sales`: a directory or a glob; `.csv`, `.csv.gz`) and the FX file
/// (`fx_rates`) into the lake's raw zone as received, with their checksums: `raw/sales/pipeline=…/date=…`, `raw/fx_rates/…`.
/// Paths default to the run's params of the same names.
public struct SalesExtractJob: JobKind {
    public struct Settings: Decodable, Sendable {
        var sales: String?
        var fxRates: String?
        enum CodingKeys: String, CodingKey {
            case sales
            case fxRates = "fx_rates"
        }
    }

    public static let kindName = "sales-extract"
    let settings: Settings
    let hub: BatchHub?

    public init(settings: Settings) throws { self.init(settings: settings, hub: nil) }
    public init(settings: Settings, hub: BatchHub?) {
        self.settings = settings
        self.hub = hub
    }

    public func run(in context: JobContext) async throws {
        try await StepThread.run(Self.kindName) { stop in try work(context, stop) }
    }

    private func work(_ context: JobContext, _ stop: StepStop) throws {
        let run = try BatchRun(hub: hub, context: context, kind: Self.kindName)
        let files: [String]
        do {
            files = try SalesExtraction.files(at: try run.path(settings.sales, param: "sales"))
        } catch let failure as SalesExtraction.FileFailure {
            let incoming = run.context.dataDirectory.appendingPathComponent("incoming").path
            let hint = failure.description.hasPrefix(incoming + "/") ? " (the demo's sales are written there by `serve --demo`)" : ""
            throw JobFailure(failure.description + hint)
        }
        guard !files.isEmpty else { throw JobFailure("no sales files (.csv, .csv.gz) at \(try run.path(settings.sales, param: "sales"))") }
        let fxRates = try run.path(settings.fxRates, param: "fx_rates")
        try stop.check()
        try copy(files, into: run.partition(.raw, "sales"), run: run)
        try copy([fxRates], into: run.partition(.raw, "fx_rates"), run: run)
    }

    /// The file's bytes (through a link, to what it names), a chunk at a time: a file gone since it was listed, or a
    /// link to nothing, fails the step naming it (`FileManager.copyItem` would copy the link itself, and the lake's
    /// manifest, which lists regular files, would then drop the file without a word).
    static func copyContents(of file: String, to destination: URL) throws {
        let source = open(file, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else {
            throw JobFailure("\(file): cannot be read (\(FailureText.system(errno)): gone since it was listed, or not readable): nothing of this run was published")
        }
        defer { close(source) }
        let target = open(destination.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard target >= 0 else {
            throw JobFailure("\(destination.path): cannot be created in the lake's staging (\(FailureText.system(errno)))")
        }
        defer { close(target) }
        // POSIX calls, for the system's own words on failure (a full disk, a file too large, an I/O error), which
        // Foundation's file handles turn into "error 512".
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw JobFailure("\(file): cannot be read (\(FailureText.system(errno))): nothing of this run was published")
            }
            if got == 0 { return }
            var offset = 0
            while offset < got {
                let written = buffer.withUnsafeBytes { write(target, $0.baseAddress! + offset, got - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JobFailure(
                        "\(file): cannot be copied into the lake: writing \(destination.lastPathComponent) failed (\(FailureText.system(errno))): nothing of this run was published")
                }
                offset += written
            }
        }
    }

    private func copy(_ files: [String], into partition: LakePartition, run: BatchRun) throws {
        let staged = try run.hub.lake.makeStaging()
        do {
            for file in files {
                let name = (file as NSString).lastPathComponent
                try Self.copyContents(of: file, to: staged.appendingPathComponent(name))
                run.context.reporter.read(.init(name: "file://\(file)"))
            }
            try run.publish(partition, staged: staged, rows: [:], schema: [])
        } catch {
            try? FileManager.default.removeItem(at: staged)
            throw error
        }
    }
}
