import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scheduler
import SchedulerTesting
import Testing
@testable import WebUI

@Suite struct OpenAPITests {
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() throws {
        let router = buildRouter(engine: try Self.idleEngine(), store: try Store.inMemory(), credential: LocalCredential(token: "x"))
        let served = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue.lowercased()) /\(path.joined(separator: "/"))"
        })
        let documented = Set(OpenAPIDocument.operations.map { "\($0.method) \($0.path)" })
        #expect(served.subtracting(documented).isEmpty, "routes missing from the document: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented routes that do not exist: \(documented.subtracting(served).sorted())")
    }

    @Test func theDocumentIsServedWithoutCredentialsAsOpenAPI31() async throws {
        try await EngineHarness.with(yaml: []) { harness in
            let app = try buildWebServer(
                engine: harness.engine, store: harness.store, host: "127.0.0.1", port: 0, credential: LocalCredential(token: "x"),
                logger: Logger(label: "test"))
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
                #expect(response.status == .ok)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let trigger = try #require(paths["/api/v1/pipelines/{id}/runs"]?["post"] as? [String: Any])
                let responses = try #require(trigger["responses"] as? [String: Any])
                #expect(Set(responses.keys) == ["200", "201", "400", "401", "403", "404", "409", "413", "422", "503"])
                // Every $ref points at a schema that exists.
                let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
                let text = String(buffer: response.body)
                let refs = text.components(separatedBy: "#\\/components\\/schemas\\/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                #expect(!refs.isEmpty && refs.allSatisfy { schemas[$0] != nil }, "\(refs.filter { schemas[$0] == nil })")
            }
        }
    }

    /// What a client generator needs: a unique operationId and a tag on each operation, a media type on every
    /// answer, items on every array, and states as enums.
    @Test func everyOperationIsUsableByAClientGenerator() throws {
        let ids = OpenAPIDocument.operations.map(\.id)
        #expect(Set(ids).count == ids.count, "operationIds repeat: \(ids)")
        #expect(OpenAPIDocument.operations.allSatisfy { !$0.tag.isEmpty })
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for (path, methods) in paths {
            for (method, operation) in methods {
                let responses = try #require(operation["responses"] as? [String: [String: Any]])
                for (status, response) in responses where status != "204" {
                    #expect(response["content"] != nil, "\(method) \(path) \(status) declares no media type")
                }
            }
        }
        // Arrays say what they hold; a run's state is one of the run states.
        let text = String(decoding: OpenAPIDocument.json, as: UTF8.self)
        #expect(!text.contains(#"{"type":["array","null"]}"#) && !text.contains(#"{"type":"array"}"#))
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let state = (schemas["RunSummary"]?["properties"] as? [String: [String: Any]])?["state"]
        #expect(state?["enum"] as? [String] == RunState.allCases.map(\.rawValue))
    }

    private static func idleEngine() throws -> Engine {
        Engine(
            store: try Store.inMemory(), runner: InProcessRunner(dataDirectory: URL(fileURLWithPath: "/tmp")), initial: .init(),
            configuration: .init(dataDirectory: URL(fileURLWithPath: "/tmp")))
    }
}
