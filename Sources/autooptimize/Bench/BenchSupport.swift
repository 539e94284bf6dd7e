import Foundation

/// What every benchmark does around its measurement: a scratch directory of its own, and one JSON object printed.
enum BenchSupport {
    /// A new, empty directory under the system's temporary one, named for the benchmark; the caller removes it.
    static func scratchDirectory(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("autooptimize-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Prints `report` as the one JSON object a benchmark answers, its keys sorted.
    static func printReport(_ report: [String: Any]) throws {
        print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
    }
}
