import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Scheduler

/// `autooptimize trigger PIPELINE`: asks the running daemon for a manual run.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Start a manual run of a pipeline through the running daemon.")

    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String
    @Option(name: .customLong("param"), help: "A param as name=value; repeat for several.") var params: [String] = []
    @Option(help: "The same key returns the same run instead of a new one.") var idempotencyKey: String?

    func run() async throws {
        var values: [String: String] = [:]
        for param in params {
            guard let equals = param.firstIndex(of: "=") else { throw ValidationError("--param \"\(param)\" is not name=value") }
            values[String(param[..<equals])] = String(param[param.index(after: equals)...])
        }
        let data = URL(fileURLWithPath: options.data)
        let credential: LocalCredential
        do {
            credential = try LocalCredential.read(from: data)
        } catch {
            throw ValidationError("\(error)")
        }
        let info = try daemonURL(data)
        var request = URLRequest(url: URL(string: "\(info)/api/v1/pipelines/\(pipeline)/runs")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(credential.token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        request.httpBody = try JSONSerialization.data(withJSONObject: ["params": values])
        let (body, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 || status == 201 else {
            let message = (try? JSONSerialization.jsonObject(with: body) as? [String: [String: String]])?["error"]?["message"]
            throw ValidationError(message ?? "the daemon answered \(status)")
        }
        let run = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        print("run \(run["id"] ?? "?") of \(pipeline): \(run["state"] ?? "?")\(status == 200 ? " (existing run for this idempotency key)" : "")")
    }

    private func daemonURL(_ data: URL) throws -> String {
        let file = data.appendingPathComponent("daemon.json")
        guard let contents = try? Data(contentsOf: file),
            let object = try? JSONSerialization.jsonObject(with: contents) as? [String: Any], let url = object["url"] as? String
        else { throw ValidationError("no running daemon found in \(data.path) (\(file.path) is missing)") }
        return url
    }
}
