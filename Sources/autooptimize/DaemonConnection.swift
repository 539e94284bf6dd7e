import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import Scheduler

/// How a CLI command reaches the running daemon: `--url` and `--token` (or `AUTOOPTIMIZE_URL`
/// and `AUTOOPTIMIZE_TOKEN`) when given; otherwise, on the daemon's own machine, its address
/// from `daemon.json` and its local credential, both in the data directory.
struct DaemonConnection {
    let client: DaemonHTTPClient
    let token: String

    init(_ options: DataOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        let data = URL(fileURLWithPath: options.data)
        if let text = options.url ?? environment["AUTOOPTIMIZE_URL"] {
            guard let url = URL(string: text) else { throw ValidationError("--url \"\(text)\" is not an address like http://127.0.0.1:8080") }
            Self.warnIfInClear(url)
            client = DaemonHTTPClient(baseURL: url, trust: .system(extraRoot: options.cacert ?? environment["AUTOOPTIMIZE_CACERT"]))
        } else {
            let file = data.appendingPathComponent("daemon.json")
            guard let contents = try? Data(contentsOf: file),
                let object = try? JSONSerialization.jsonObject(with: contents) as? [String: Any],
                let text = object["url"] as? String, let url = URL(string: text)
            else { throw ValidationError("no running daemon found in \(data.path) (\(file.path) is missing); give --url") }
            let trust = (object["certificate"] as? String).map { DaemonHTTPClient.Trust.pinned(certificate: $0) }
            client = DaemonHTTPClient(baseURL: url, trust: trust ?? .system(extraRoot: nil))
        }
        if let token = options.token ?? environment["AUTOOPTIMIZE_TOKEN"] {
            self.token = token
        } else {
            do {
                token = try LocalCredential.read(from: data).token
            } catch {
                throw ValidationError("\(error) (or give --token)")
            }
        }
    }

    /// A bearer token sent over plain HTTP can be read by anyone on the way; on this machine's loopback there is
    /// nobody on the way. Said, not refused: a private network may be trusted on purpose.
    static func warnIfInClear(_ url: URL) {
        guard url.scheme?.lowercased() == "http", let host = url.host(percentEncoded: false), !isLoopback(host) else { return }
        let warning = "autooptimize: warning: sending the token in clear over http to \(host); use https (serve --tls-cert/--tls-key)\n"
        FileHandle.standardError.write(Data(warning.utf8))
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare.hasPrefix("127.") || bare == "::1"
    }

    /// POSTs a JSON body; returns the status and the decoded JSON object, or throws the daemon's error message.
    func post(_ path: String, _ body: [String: Any] = [:], headers extra: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        try await send(.POST, path, body: try JSONSerialization.data(withJSONObject: body), headers: extra, timeout: .seconds(60))
    }

    /// GETs a JSON object; `timeout` covers answers the daemon holds back on purpose (`?wait=`).
    func get(_ path: String, timeout: Duration = .seconds(60)) async throws -> (Int, [String: Any]) {
        try await send(.GET, path, body: Data(), headers: [:], timeout: timeout)
    }

    /// GETs a streamed answer, handing its bytes to `sink` as they come, until the daemon ends it.
    func stream(_ path: String, sink: @escaping @Sendable (ByteBuffer) -> Void) async throws {
        let response = try await client.send(
            .GET, path, headers: ["Authorization": "Bearer \(token)"], body: Data(), timeout: .seconds(7 * 86400), sink: sink)
        _ = try Self.object(of: response)
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data, headers extra: [String: String], timeout: Duration) async throws -> (Int, [String: Any]) {
        var headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        headers.merge(extra) { $1 }
        let response = try await client.send(method, path, headers: headers, body: body, timeout: timeout)
        return (response.status, try Self.object(of: response))
    }

    /// The answer's JSON object, or the daemon's error message thrown.
    private static func object(of response: DaemonHTTPClient.Response) throws(DaemonError) -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
        guard (200..<300).contains(response.status) else {
            throw DaemonError(((object["error"] as? [String: Any])?["message"] as? String) ?? "the daemon answered \(response.status)")
        }
        return object
    }
}

/// `name=value` options as a dictionary.
func parseParams(_ params: [String]) throws -> [String: String] {
    var values: [String: String] = [:]
    for param in params {
        guard let equals = param.firstIndex(of: "=") else { throw ValidationError("--param \"\(param)\" is not name=value") }
        values[String(param[..<equals])] = String(param[param.index(after: equals)...])
    }
    return values
}
