import Foundation
import Synchronization
import CProcessSupport

/// A child process in its own process group, with stdout and stderr streamed
/// into an attempt's log.
///
/// Two threads per process, never the cooperative pool (STYLE 3.8 rule 5): one
/// reads the output pipe, one waits for the exit. When the leader exits, what
/// is left of its group is killed, so that no task leaves processes behind and
/// the pipe reaches end-of-file. Stopping (timeout, cancel) signals the whole
/// group: SIGTERM, then SIGKILL after a grace period.
final class ChildProcess: Sendable {
    let pid: pid_t
    private let exited = Mutex(false)
    /// Signalled when the output pipe reaches end-of-file, so that the exit is reported only with all output logged.
    private let outputDone = DispatchSemaphore(value: 0)

    /// Starts `argv` with `environment` in `directory`, output into `log`.
    /// - Throws: `JobFailure` when the process cannot be started, saying why.
    init(argv: [String], environment: [String: String], directory: String?, identity: TaskIdentity?, log: AttemptLog) throws {
        var pipeDescriptors: [Int32] = [-1, -1]
        guard cps_pipe_cloexec(&pipeDescriptors) == 0 else {
            throw JobFailure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        defer { if pipeDescriptors[0] >= 0 { close(pipeDescriptors[0]) } }
        let writeEnd = pipeDescriptors[1]
        let spawned = Self.spawn(argv: argv, environment: environment, directory: directory, identity: identity, output: writeEnd)
        close(writeEnd)
        guard case .success(let pid) = spawned else {
            if case .failure(let error) = spawned { throw error }
            preconditionFailure("unreachable")
        }
        self.pid = pid
        let readEnd = pipeDescriptors[0]
        pipeDescriptors[0] = -1
        let outputDone = self.outputDone
        Thread.detachNewThread {
            Self.pump(readEnd, into: log)
            outputDone.signal()
        }
    }

    /// Waits for the exit status; cancelling the waiting task stops the group.
    func waitForExit(grace: Duration) async -> Int32 {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                let pid = self.pid
                Thread.detachNewThread {
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    self.exited.withLock { $0 = true }
                    kill(-pid, SIGKILL)  // what the leader left behind in its group
                    self.outputDone.wait()
                    continuation.resume(returning: Self.exitCode(status))
                }
            }
        } onCancel: {
            self.stop(grace: grace)
        }
    }

    /// SIGTERM to the group now, SIGKILL when it is still there after `grace`.
    func stop(grace: Duration) {
        signalGroup(SIGTERM)
        let pid = self.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + grace.seconds) {
            if !self.exited.withLock({ $0 }) { kill(-pid, SIGKILL) }
        }
    }

    private func signalGroup(_ signal: Int32) {
        if !exited.withLock({ $0 }) { kill(-pid, signal) }
    }

    /// The shell convention: the exit status, or 128 + the signal that ended it.
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func pump(_ descriptor: Int32, into log: AttemptLog) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer {
            buffer.deallocate()
            close(descriptor)
        }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            log.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The file-creation mask tasks start with: the usual one, not the daemon's own 077.
    private static let taskUmask: mode_t = 0o022

    private static func spawn(
        argv: [String], environment: [String: String], directory: String?, identity: TaskIdentity?, output: Int32
    ) -> Result<pid_t, JobFailure> {
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        let groups = identity?.groups ?? []
        var pid: pid_t = 0
        var stage: UnsafePointer<CChar>?
        let result = groups.withUnsafeBufferPointer { groupBuffer in
            cArguments.withUnsafeBufferPointer { arguments in
                cEnvironment.withUnsafeBufferPointer { variables in
                    withOptionalCString(directory) { directoryPointer in
                        var request = cps_spawn_request(
                            path: cArguments[0], argv: arguments.baseAddress, envp: variables.baseAddress,
                            directory: directoryPointer, output: output, umask: taskUmask,
                            switch_identity: identity == nil ? 0 : 1, uid: identity?.uid ?? 0, gid: identity?.gid ?? 0,
                            groups: groupBuffer.baseAddress, group_count: groupBuffer.count)
                        return cps_spawn(&request, &pid, &stage)
                    }
                }
            }
        }
        guard result == 0 else {
            let step = stage.map { String(cString: $0) } ?? "spawn"
            let reason = String(cString: strerror(result))
            switch step {
            case "chdir" where result == ENOENT:
                return .failure(JobFailure("working directory \(directory ?? "") does not exist"))
            case "chdir":
                return .failure(JobFailure("cannot enter working directory \(directory ?? ""): \(reason)"))
            case "setgroups", "setgid", "setuid":
                return .failure(JobFailure("cannot run as \(identity?.name ?? "?") (\(step)): \(reason)"))
            default:
                return .failure(JobFailure("cannot start \(argv[0]) (\(step)): \(reason)"))
            }
        }
        return .success(pid)
    }
}

private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString(body)
}
