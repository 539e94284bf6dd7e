import Foundation
import SchedulerTesting
import StandIns
import Testing

@testable import Jobs

/// The lake on HDFS through WebHDFS, against a namenode and datanode that answer as Hadoop's do: partitions written
/// through the two-step CREATE, published by RENAME, read back checked against their manifest; a failure at any step
/// leaves the published partition as it was; HDFS's own errors reach the message. The lake's calls block: each test
/// makes them on a thread of its own, as the batch steps do.
@Suite(.timeLimit(.minutes(1))) struct WebHDFSLakeTests {
    private let partition = LakePartition(.curated, "sales", [("pipeline", "p"), ("date", "20250101T000000Z")])

    private func setUp(user: String? = "etl", standInUser: String? = "etl") async throws -> (WebHDFSStandIn, WebHDFSLake, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let hdfs = directory.appending("hdfs")
        try FileManager.default.createDirectory(at: hdfs, withIntermediateDirectories: true)
        let standIn = try await WebHDFSStandIn(directory: hdfs, user: standInUser)
        var settings = WebHDFSSettings(url: standIn.url, root: "/data/lake", user: user)
        settings.timeoutSeconds = 10
        let lake = try WebHDFSLake(settings: settings, dataDirectory: directory.appending("data"))
        return (standIn, lake, directory)
    }

    private func publish(_ lake: WebHDFSLake, _ files: [String: String], run: String) throws -> LakeManifest {
        let staged = try lake.makeStaging()
        for (name, text) in files {
            let url = staged.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        return try lake.publish(partition, staged: staged, rows: files.mapValues { $0.split(separator: "\n").count - 1 }, schema: [.init(name: "a", type: "integer")], run: run)
    }

    private func contents(_ directory: URL) throws -> [String: String] {
        var found: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue, url.lastPathComponent != "_manifest.json" else { continue }
            found[String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))] = try String(contentsOf: url, encoding: .utf8)
        }
        return found
    }

    @Test func aPartitionIsPublishedReplacedAndReadBackThroughTheRedirects() async throws {
        let (standIn, lake, directory) = try await setUp()
        defer { directory.remove() }
        let partition = partition
        let first = ["month=2025-01/sales.csv": "a\n1\n2\n", "month=2025-02/sales.csv": "a\n3\n"]
        let manifest = try await onThread { try publish(lake, first, run: "1") }
        #expect(manifest.rows == 3)
        // On HDFS where the layout says, with its manifest; nothing left in the remote staging.
        let onHDFS = standIn.directory.appendingPathComponent("data/lake/\(partition.path)")
        #expect(try contents(onHDFS) == first)
        #expect(FileManager.default.fileExists(atPath: onHDFS.appendingPathComponent("_manifest.json").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: standIn.directory.appendingPathComponent("data/lake/.staging").path).isEmpty)
        #expect(try await onThread { try lake.manifest(of: partition) } == manifest)
        #expect(try contents(try await onThread { try lake.read(partition) }) == first)
        #expect(try await onThread { try lake.children(of: LakePartition(.curated, "sales", [("pipeline", "p")])) } == [partition])

        // Each file: CREATE at the namenode (no data), then at the datanode it named; every request as user etl.
        let creates = standIn.requests.filter { $0.op == "CREATE" }
        #expect(creates.count == 2 * 3, "two files and the manifest, two steps each")
        #expect(zip(creates, creates.dropFirst()).allSatisfy { $0.side == .namenode ? $1.side == .datanode && $1.path == $0.path : true })
        #expect(standIn.requests.allSatisfy { $0.user == "etl" })
        #expect(standIn.violations.isEmpty, "\(standIn.violations)")

        // Replaced whole: the old month is gone, the new content read (a new local copy, not the cached old one).
        let second = ["month=2025-01/sales.csv": "a\n9\n"]
        _ = try await onThread { try publish(lake, second, run: "2") }
        #expect(try contents(onHDFS) == second)
        #expect(try contents(try await onThread { try lake.read(partition) }) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: standIn.directory.appendingPathComponent("data/lake/.staging").path).isEmpty)

        // Absent partitions.
        let other = LakePartition(.curated, "sales", [("pipeline", "q"), ("date", "x")])
        #expect(try await onThread { try lake.manifest(of: other) } == nil)
        await #expect { try await onThread { try lake.read(other) } } throws: { "\($0)".contains("not published") }
        #expect(try await onThread { try lake.children(of: LakePartition(.raw, "nothing")) } == [])
    }

    @Test func aFailureAtAnyStepLeavesThePublishedPartitionAsItWas() async throws {
        let (standIn, lake, directory) = try await setUp()
        defer { directory.remove() }
        let partition = partition
        let good = ["sales.csv": "a\n1\n"]
        _ = try await onThread { try publish(lake, good, run: "1") }
        let onHDFS = standIn.directory.appendingPathComponent("data/lake/\(partition.path)")

        // The datanode fails the second file; then the namenode fails the move into place (after the old partition
        // was moved aside); then HDFS is in safe mode for every write.
        standIn.fail("CREATE", on: .datanode, status: 500, exception: "IOException", times: 1)
        await #expect { try await onThread { try publish(lake, ["sales.csv": "a\n2\n", "more.csv": "a\n3\n"], run: "2") } } throws: {
            "\($0)".contains("CREATE") && "\($0)".contains("HTTP 500") && "\($0)".contains("IOException")
        }
        #expect(try contents(onHDFS) == good)

        // The move of the old partition aside fails: nothing moved.
        let renames = standIn.requests.filter { $0.op == "RENAME" }.count
        standIn.fail("RENAME", status: 500, exception: "IOException", times: 1)
        await #expect { try await onThread { try publish(lake, ["sales.csv": "a\n4\n"], run: "3") } } throws: { "\($0)".contains("RENAME") }
        #expect(try contents(onHDFS) == good)
        #expect(standIn.requests.filter { $0.op == "RENAME" }.count == renames + 1)

        standIn.fail("MKDIRS", status: 403, exception: "SafeModeException", times: 5)
        await #expect { try await onThread { try publish(lake, ["sales.csv": "a\n5\n"], run: "4") } } throws: {
            "\($0)".contains("SafeModeException") && "\($0)".contains("HTTP 403")
        }
        #expect(try contents(onHDFS) == good)
        #expect(try contents(try await onThread { try lake.read(partition) }) == good)
        // Nothing of the failed attempts stays in the remote staging.
        let staging = try FileManager.default.contentsOfDirectory(atPath: standIn.directory.appendingPathComponent("data/lake/.staging").path)
        #expect(staging.isEmpty, "\(staging)")
    }

    @Test func theNewPartitionFailingToMoveInPutsTheOldOneBack() async throws {
        let (standIn, lake, directory) = try await setUp()
        defer { directory.remove() }
        let partition = partition
        let good = ["sales.csv": "a\n1\n"]
        _ = try await onThread { try publish(lake, good, run: "1") }
        // The old partition moves aside; the new one is refused its place (HDFS answers false); the old comes back.
        standIn.fail("RENAME", status: 0, after: 1)
        await #expect { try await onThread { try publish(lake, ["sales.csv": "a\n2\n"], run: "2") } } throws: { "\($0)".contains("RENAME") }
        #expect(try contents(standIn.directory.appendingPathComponent("data/lake/\(partition.path)")) == good)
        #expect(try contents(try await onThread { try lake.read(partition) }) == good)
    }

    @Test func aFileChangedOnHDFSIsRefusedWhenRead() async throws {
        let (standIn, lake, directory) = try await setUp()
        defer { directory.remove() }
        let partition = partition
        _ = try await onThread { try publish(lake, ["sales.csv": "a\n1\n"], run: "1") }
        try "a\n7\n".write(to: standIn.directory.appendingPathComponent("data/lake/\(partition.path)/sales.csv"), atomically: false, encoding: .utf8)
        await #expect { try await onThread { try lake.read(partition) } } throws: { "\($0)".contains("SHA-256") && "\($0)".contains("where the manifest says") }
    }

    @Test func hdfsAwayOrRefusingTheUserIsSaidPlainly() async throws {
        let (standIn, lake, directory) = try await setUp(user: nil)
        defer { directory.remove() }
        defer { withExtendedLifetime(standIn) {} }
        let partition = partition
        await #expect { try await onThread { try publish(lake, ["sales.csv": "a\n1\n"], run: "1") } } throws: {
            "\($0)".contains("HTTP 401") && "\($0)".contains("SecurityException")
        }
        // A namenode that is down: a port held but not listening.
        let down = ReservedPort()
        let away = try WebHDFSLake(settings: WebHDFSSettings(url: "http://127.0.0.1:\(down.port)"), dataDirectory: directory.appending("away"))
        await #expect { try await onThread { try away.manifest(of: partition) } } throws: {
            "\($0)".contains("did not answer") && "\($0)".contains("127.0.0.1:\(down.port)")
        }
    }

    @Test func aLargeFileIsStreamedBothWays() async throws {
        let (standIn, lake, directory) = try await setUp()
        defer { directory.remove() }
        let partition = partition
        // 24 MB of rows: written to HDFS from the staged file and read back into the cache without holding it whole.
        let line = "1234567890,abcdefghijklmnopqrstuvwxyz,987654321.12\n"
        let text = "a\n" + String(repeating: line, count: 24 << 20 / line.utf8.count)
        let manifest = try await onThread { try publish(lake, ["big.csv": text], run: "1") }
        let read = try await onThread { try lake.read(partition) }
        let (bytes, digest) = try LakeManifest.sha256(of: read.appendingPathComponent("big.csv"))
        #expect(bytes == text.utf8.count && digest == manifest.files[0].sha256)
        #expect(standIn.violations.isEmpty)
    }
}
