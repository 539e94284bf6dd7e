import Connectors
import Foundation
import SchedulerTesting
import Testing

/// Our libcurl client against a real HTTP server (Python's `http.server`, started by the test): what it sends, what
/// it reads back, and how it fails.
@Suite(.timeLimit(.minutes(1))) struct HTTPTests {
    private static let server = #"""
        import http.server, json, sys, time
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/slow":
                    time.sleep(5)  # a slow server: past the client's deadline
                if self.path == "/redirect":
                    self.send_response(307); self.send_header("Location", "/echo"); self.send_header("Content-Length", "0"); self.end_headers(); return
                status = 429 if self.path == "/busy" else 200
                out = json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8")}).encode()
                self.send_response(status)
                if status == 429: self.send_header("Retry-After", "7")
                self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(out))); self.end_headers()
                self.wfile.write(out)
            do_GET = do_POST = do_PUT = do_DELETE = answer
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        open(sys.argv[1], "w").write(str(server.server_address[1]))
        server.serve_forever()
        """#

    private func withServer(_ body: (String) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("autooptimize-http")
        defer { directory.remove() }
        try Self.server.write(to: directory.appending("server.py"), atomically: true, encoding: .utf8)
        let portFile = directory.appending("port").path
        let process = try SpawnedProcess(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", directory.appending("server.py").path, portFile], stderrPath: directory.appending("err").path)
        // SIGKILL: a process started from a test thread inherits its blocked signals, and SIGTERM may be among them.
        defer { process.stop(SIGKILL) }
        var port = ""
        try await eventually(within: 20, "the test server to listen") {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
            return !port.isEmpty
        }
        try await body("http://127.0.0.1:\(port)")
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func aRequestGoesWithItsMethodHeadersBodyAndCredentials() async throws {
        try await withServer { base in
            let client = CurlHTTPClient()
            let body = Array("{\"index\":{}}\n{\"a\":1}\n".utf8)
            let response = try await client.send(HTTPRequest(
                method: "POST", url: base + "/echo", headers: [("Content-Type", "application/x-ndjson")], body: body,
                credentials: ("elastic", "s3cret")))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let echoed = try json(response)
            #expect(echoed["method"] as? String == "POST")
            #expect(echoed["body"] as? String == String(decoding: body, as: UTF8.self))
            let headers = try #require(echoed["headers"] as? [String: String])
            #expect(headers["Content-Type"] == "application/x-ndjson")
            #expect(headers["Authorization"] == "Basic " + Data("elastic:s3cret".utf8).base64EncodedString())
            #expect(headers["Expect"] == nil, "no 100-continue round trip")
            let put = try await client.send(HTTPRequest(method: "PUT", url: base + "/echo", body: []))
            #expect(try json(put)["method"] as? String == "PUT")
        }
    }

    @Test func statusesRedirectsTimeoutsAndRefusalsComeBackAsTheyAre() async throws {
        try await withServer { base in
            let client = CurlHTTPClient()
            let busy = try await client.send(HTTPRequest(method: "GET", url: base + "/busy"))
            #expect(busy.status == 429 && busy.header("retry-after") == "7")
            let followed = try await client.send(HTTPRequest(method: "GET", url: base + "/redirect", followRedirects: true))
            let path = try json(followed)["path"] as? String
            #expect(followed.status == 200 && path == "/echo")
            let notFollowed = try await client.send(HTTPRequest(method: "GET", url: base + "/redirect"))
            #expect(notFollowed.status == 307 && notFollowed.header("location") == "/echo")
            await #expect {
                _ = try await client.send(HTTPRequest(method: "GET", url: base + "/slow", timeout: .milliseconds(500)))
            } throws: { error in
                (error as? HTTPFailure)?.code == 28 && "\(error)".contains("/slow")
            }
        }
        let client = CurlHTTPClient()
        await #expect {
            _ = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/", timeout: .seconds(5)))
        } throws: { error in
            (error as? HTTPFailure)?.code == 7
        }
    }
}
