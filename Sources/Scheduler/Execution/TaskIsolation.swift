public import Foundation
import Crypto

/// What a task's process is given of the daemon, and no more: a clean base
/// environment plus the variables `pass_env` names, the user `run_as` names when
/// the daemon runs as root, and a private working directory under `workspaceRoot`.
///
/// Tasks run other people's code; the daemon holds password hashes, tokens and
/// its own listening socket. Nothing of that may reach a task by inheritance.
public struct TaskIsolation: Sendable, Equatable {
    /// Names of the daemon's environment variables a task also sees (settings `pass_env`).
    public var passEnvironment: [String]
    /// The user tasks run as when the daemon runs as root (settings `run_as`); a task's own `run_as` wins.
    public var runAs: String?
    /// Where each attempt's private working directory is made (settings `task_workspace`).
    public var workspaceRoot: URL
    /// The daemon's own environment, read once at start: what `TaskEnvironment` picks the machine's variables and
    /// `pass_env` from (never handed over whole).
    public var daemonEnvironment: [String: String]
    /// Marks a task's processes as this daemon's (`AUTOOPTIMIZE_DAEMON`), so that recovery after a crash kills
    /// this daemon's leftovers only. A digest of the data directory's path: the task is not told where that is.
    public let daemonMarker: String

    public init(
        dataDirectory: URL, passEnvironment: [String] = [], runAs: String? = nil, workspaceRoot: URL? = nil,
        daemonEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.passEnvironment = passEnvironment
        self.daemonEnvironment = daemonEnvironment
        self.runAs = runAs
        self.workspaceRoot = workspaceRoot ?? FileManager.default.temporaryDirectory
        self.daemonMarker = Self.marker(for: dataDirectory)
    }

    /// Removes the working directories this daemon's attempts left when it last stopped without ending them (a crash,
    /// `kill -9`); another daemon's under the same root are kept. Only before the daemon's first attempt starts.
    /// Returns how many were removed.
    public func removeLeftoverWorkspaces() -> Int {
        TaskWorkspace.removeLeftovers(root: workspaceRoot, daemonMarker: daemonMarker)
    }

    static func marker(for dataDirectory: URL) -> String {
        SHA256.hash(data: Data(dataDirectory.standardizedFileURL.path.utf8)).prefix(12)
            .map { String(format: "%02x", $0) }.joined()
    }
}
