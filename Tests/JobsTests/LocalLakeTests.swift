import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// The local lake: a partition appears whole with its manifest, a republished one is replaced whole, and a file
/// that no longer matches its manifest is refused.
@Suite struct LocalLakeTests {
    private func stage(_ lake: LocalLake, _ files: [String: String]) throws -> URL {
        let staged = try lake.makeStaging()
        for (name, text) in files {
            let url = staged.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        return staged
    }

    @Test func publishReplaceAndVerify() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lake = try LocalLake(root: directory.url)
        let partition = LakePartition(.curated, "sales", [("date", "20250101T000000Z")])
        #expect(try lake.manifest(of: partition) == nil)
        let first = try lake.publish(
            partition, staged: try stage(lake, ["month=2025-01/sales.csv": "a\n1\n2\n", "month=2025-02/sales.csv": "a\n3\n"]),
            rows: ["month=2025-01/sales.csv": 2, "month=2025-02/sales.csv": 1], schema: [.init(name: "a", type: "integer")], run: "1")
        #expect(first.files.map(\.name) == ["month=2025-01/sales.csv", "month=2025-02/sales.csv"])
        #expect(first.rows == 3)
        // SHA-256 of "a\n3\n", as sha256sum gives it.
        #expect(first.files[1].sha256 == "0f6d024837342a8b991551454c75ef87aaa7657c4d7fb278c0a7b2f455a2bce3")
        #expect(first.files[1].bytes == 4)
        #expect(try lake.manifest(of: partition) == first)

        // Republished: the old files are gone with the old partition (no month=2025-02 left behind).
        let second = try lake.publish(partition, staged: try stage(lake, ["month=2025-01/sales.csv": "a\n9\n"]), rows: [:], schema: [], run: "2")
        let read = try lake.read(partition)
        #expect(try FileManager.default.contentsOfDirectory(atPath: read.path).sorted() == ["_manifest.json", "month=2025-01"])
        #expect(try lake.manifest(of: partition)?.run == second.run)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appending(".staging").path).isEmpty, "nothing left in staging")
        #expect(try lake.children(of: LakePartition(.curated, "sales")) == [partition])

        // A file changed behind the lake's back no longer matches its manifest.
        try "a\n9\n10\n".write(to: read.appendingPathComponent("month=2025-01/sales.csv"), atomically: false, encoding: .utf8)
        #expect { try lake.read(partition) } throws: { "\($0)".contains("where the manifest says") }
    }
}
