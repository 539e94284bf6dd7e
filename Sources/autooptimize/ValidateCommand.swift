import ArgumentParser
import Foundation
import Jobs
import Scheduler

/// `autooptimize validate`: checks `jobs.d` without a daemon.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check the pipeline files; print file:line: messages and exit 1 when any is wrong.")

    @Option(help: "The pipelines directory.") var jobs: String = "jobs.d"

    func run() throws {
        let result = PipelineLoader(registry: .standard()).load(directory: URL(fileURLWithPath: jobs))
        let diagnostics = result.allDiagnostics
        for diagnostic in diagnostics {
            FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
        }
        guard diagnostics.isEmpty else { throw ExitCode(1) }
        print("\(jobs): \(result.pipelines.count) pipeline\(result.pipelines.count == 1 ? "" : "s") valid")
    }
}
