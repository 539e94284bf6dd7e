import Foundation
import Testing

@testable import Jobs

/// `static/kibana/seller-performance.ndjson` (Kibana's saved objects: data views, visualizations, a dashboard) fits
/// what the writer sends: every reference resolves in the file, every data view names an index our templates map,
/// and every field a visualization uses is in that mapping. (Kibana itself cannot run here: its import is not tested.)
@Suite struct KibanaObjectsTests {
    private static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../static/kibana/seller-performance.ndjson").standardized

    private func templates() throws -> [(pattern: String, fields: Set<String>)] {
        try SearchDocuments.templates.map { template in
            let object = try JSONSerialization.jsonObject(with: Data(template.body)) as! [String: Any]
            let properties = ((object["template"] as! [String: Any])["mappings"] as! [String: Any])["properties"] as! [String: Any]
            return ((object["index_patterns"] as! [String])[0], Set(properties.keys))
        }
    }

    @Test func theSavedObjectsReferToOurIndicesAndFields() throws {
        let objects = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let byID = Dictionary(uniqueKeysWithValues: objects.map { ($0["id"] as! String, $0) })
        #expect(byID.count == objects.count, "ids are unique")
        let templates = try templates()
        var fieldsOfView: [String: Set<String>] = [:]
        for view in objects where view["type"] as? String == "index-pattern" {
            let attributes = view["attributes"] as! [String: Any]
            let title = attributes["title"] as! String
            let template = templates.first { $0.pattern == title }
            #expect(template != nil, "data view \(title) is an index pattern of our templates")
            fieldsOfView[view["id"] as! String] = template?.fields
            if let time = attributes["timeFieldName"] as? String { #expect(template?.fields.contains(time) == true, "time field \(time)") }
        }
        var visualizations = 0
        for object in objects {
            for reference in object["references"] as? [[String: Any]] ?? [] {
                let target = byID[reference["id"] as! String]
                #expect(target?["type"] as? String == reference["type"] as? String, "\(object["id"]!) → \(reference["id"]!)")
            }
            guard object["type"] as? String == "visualization" else { continue }
            visualizations += 1
            let attributes = object["attributes"] as! [String: Any]
            let state = try JSONSerialization.jsonObject(with: Data((attributes["visState"] as! String).utf8)) as! [String: Any]
            let view = (object["references"] as! [[String: Any]]).first { $0["type"] as? String == "index-pattern" }?["id"] as? String ?? ""
            let fields = try #require(fieldsOfView[view], "\(object["id"]!) uses a data view of the file")
            for aggregation in state["aggs"] as! [[String: Any]] {
                guard let field = (aggregation["params"] as? [String: Any])?["field"] as? String else { continue }
                #expect(fields.contains(field), "\(object["id"]!) uses \(field), which the mapping has")
            }
        }
        #expect(visualizations >= 5)
        let dashboard = try #require(objects.first { $0["type"] as? String == "dashboard" })
        let panels = try JSONSerialization.jsonObject(with: Data(((dashboard["attributes"] as! [String: Any])["panelsJSON"] as! String).utf8)) as! [[String: Any]]
        #expect(panels.count == visualizations, "the dashboard shows every visualization")
    }
}
