import ArgumentParser
import Foundation
import Jobs
import Scheduler

/// `autooptimize validate`: checks `jobs.d` without a daemon.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check the pipeline files; print file:line: messages and exit 1 when any is wrong.")

    @Option(help: "The pipelines directory.") var jobs: String = "jobs.d"
    @Option(help: "The daemon's settings file: its alert channels are the ones pipelines may name.") var config: String?

    func run() throws {
        var channels: Set<String> = []
        if let config {
            do {
                channels = try SettingsFile(path: config).section(AlertSettings.self)?.channelNames ?? []
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        let result = PipelineLoader(registry: .standard(), alertChannels: channels).load(directory: URL(fileURLWithPath: jobs))
        let diagnostics = result.allDiagnostics
        for diagnostic in diagnostics {
            FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
        }
        guard diagnostics.isEmpty else { throw ExitCode(1) }
        print("\(jobs): \(result.pipelines.count) pipeline\(result.pipelines.count == 1 ? "" : "s") valid")
    }
}
