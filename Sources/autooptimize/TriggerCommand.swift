import ArgumentParser
import Foundation
import Scheduler

/// `autooptimize trigger PIPELINE`: asks the running daemon for a manual run.
struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Start a manual run of a pipeline through the running daemon.")

    @OptionGroup var options: DataOptions
    @Argument(help: "The pipeline id.") var pipeline: String
    @Option(name: .customLong("param"), help: "A param as name=value; repeat for several.") var params: [String] = []
    @Option(help: "The same key returns the same run instead of a new one.") var idempotencyKey: String?

    func run() throws {
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
        var headers = ["Authorization": "Bearer \(credential.token)", "Content-Type": "application/json"]
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        let client = LocalHTTPClient(baseURL: try daemonURL(data))
        let response: LocalHTTPClient.Response
        do {
            response = try client.send(
                "POST", "/api/v1/pipelines/\(pipeline)/runs", headers: headers,
                body: try JSONSerialization.data(withJSONObject: ["params": values]))
        } catch let error as DaemonError {
            throw ValidationError(error.description)
        }
        let status = response.status
        let body = response.body
        guard status == 200 || status == 201 else {
            let message = (try? JSONSerialization.jsonObject(with: body) as? [String: [String: String]])?["error"]?["message"]
            throw ValidationError(message ?? "the daemon answered \(status)")
        }
        let run = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        print("run \(run["id"] ?? "?") of \(pipeline): \(run["state"] ?? "?")\(status == 200 ? " (existing run for this idempotency key)" : "")")
    }

    private func daemonURL(_ data: URL) throws -> URL {
        let file = data.appendingPathComponent("daemon.json")
        guard let contents = try? Data(contentsOf: file),
            let object = try? JSONSerialization.jsonObject(with: contents) as? [String: Any],
            let text = object["url"] as? String, let url = URL(string: text)
        else { throw ValidationError("no running daemon found in \(data.path) (\(file.path) is missing)") }
        return url
    }
}
