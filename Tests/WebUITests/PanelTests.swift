import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
import WebUI

/// The panel's files, as the daemon serves them.
@Suite struct PanelTests {
    private let staticDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../static").standardized.path

    @Test func thePanelIsServedWithHeadersThatKeepItSafeAndNothingOutsideItsFolder() async throws {
        try await EngineHarness.with(yaml: []) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "x"),
                logger: Logger(label: "test"), staticDirectory: staticDirectory)
            try await app.test(.router) { client in
                let index = try await client.execute(uri: "/", method: .get)
                #expect(index.status == .ok)
                #expect(String(buffer: index.body).contains("<script type=\"module\" src=\"/js/main.js\"></script>"))
                #expect(index.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(index.headers[.init("X-Frame-Options")!] == "DENY")
                let script = try await client.execute(uri: "/js/http.js", method: .get)
                #expect(script.status == .ok && String(buffer: script.body).contains("X-CSRF-Token"))
                // Modules and the shared worker load only as JavaScript (the browser refuses them otherwise).
                for module in ["/js/main.js", "/js/events-worker.js", "/js/charts/dag.js"] {
                    let answer = try await client.execute(uri: module, method: .get)
                    #expect(answer.status == .ok && answer.headers[.contentType]?.hasSuffix("javascript") == true, "\(module)")
                }
                for attempt in ["/../Package.swift", "/%2e%2e/Package.swift", "/..%2fPackage.swift"] {
                    let response = try await client.execute(uri: attempt, method: .get)
                    #expect([.badRequest, .notFound].contains(response.status), "\(attempt) gave \(response.status)")
                    #expect(!String(buffer: response.body).contains("swift-tools-version"))
                }
            }
        }
    }

    /// The panel has no build step: what is in `static/` is what the browser loads, so its weight is kept in check here.
    @Test func thePanelsOwnFilesStayWithinTheirWeightBudget() throws {
        let files = FileManager.default.enumerator(atPath: staticDirectory)?.compactMap { $0 as? String } ?? []
        let code = files.filter { $0.hasSuffix(".js") || $0.hasSuffix(".css") || $0.hasSuffix(".html") }
        let bytes = try code.reduce(0) { total, file in
            total + (try FileManager.default.attributesOfItem(atPath: staticDirectory + "/" + file)[.size] as? Int ?? 0)
        }
        #expect(code.count >= 15, "the panel's modules were found")
        // 96 KiB until the batch reports and the lineage pages (issue 9) came; each page is a module of its own.
        #expect(bytes < 112 * 1024, "static/ holds \(bytes) bytes of code; the budget is 112 KiB")
    }

    @Test func errorsCarryTheSecurityHeadersAndTheAPIIsNeverCached() async throws {
        try await EngineHarness.with(yaml: ["id: p\ntasks: [{id: a, kind: noop}]\n"]) { harness in
            let router = buildRouter(engine: harness.engine, store: harness.store, credential: LocalCredential(token: "local"), staticDirectory: staticDirectory)
            try await Application(router: router).test(.router) { client in
                let answers = [
                    ("/api/v1/runs", HTTPFields()), ("/api/v1/runs/999", [.authorization: "Bearer local"]),
                    ("/api/v1/pipelines?x=1", [.authorization: "Bearer local"]), ("/api/v1/no-such-route", [.authorization: "Bearer local"]),
                    ("/no-such-file.html", HTTPFields()), ("/api/v1/runs", [.authorization: "Bearer local"]),
                ]
                for (uri, headers) in answers {
                    let response = try await client.execute(uri: uri, method: .get, headers: headers)
                    #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true, "\(uri) \(response.status)")
                    #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff", "\(uri)")
                    if uri.hasPrefix("/api/") { #expect(response.headers[.cacheControl] == "no-store", "\(uri)") }
                }
            }
        }
    }
}
