import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import SchedulerTesting
import Testing

/// The batch workflow through the daemon, as a user runs it: the africa-trends pipeline triggered with the
/// contract's fixture files, the warehouse's tables compared with the independent computation byte for byte, the
/// rejects counted by reason, and no person's name, email or phone anywhere past the raw and rejects zones.
@Suite(.timeLimit(.minutes(3))) struct BatchPipelineTests {
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../JobsTests/Fixtures/sales-batch-seed7").standardized
    private static let pipeline = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../jobs.d/africa-trends.yaml").standardized

    /// A warehouse table as the contract's CSV writes it (NULL as an empty field).
    private func table(_ name: String, in warehouse: URL) throws -> String {
        let queue = try DatabaseQueue(path: warehouse.path)
        return try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(name)")
            let header = try db.columns(in: name).map(\.name).joined(separator: ",")
            let lines = rows.map { row in row.databaseValues.map { $0.isNull ? "" : String(describing: $0.storage.value ?? "") }.joined(separator: ",") }
            return ([header] + lines).joined(separator: "\n") + "\n"
        }
    }

    @Test func theFixtureLoadsTheContractTablesAndNoPersonalData() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try String(contentsOf: Self.pipeline, encoding: .utf8))
        try await daemon.start()
        let params = ["sales": Self.fixture.appendingPathComponent("sales").path, "fx_rates": Self.fixture.appendingPathComponent("fx_rates.csv").path]
        var loads: [String: String] = [:]
        var run = 0
        for round in 0..<2 {
            run = try await daemon.trigger("africa-trends", params: params)
            try await eventually(within: 90, "the run to finish") { try await daemon.runState(run).map { ["succeeded", "failed"].contains($0) } ?? false }
            let state = try await daemon.runState(run)
            let attempts = try await daemon.attempts(run)
            #expect(state == "succeeded", "round \(round): \(attempts)")
            let warehouse = daemon.data.appendingPathComponent("warehouse.sqlite")
            for name in ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"] {
                let loaded = try table(name, in: warehouse)
                #expect(loaded == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/\(name).csv"), encoding: .utf8)), "\(name)")
                // A second run (another logical date) replaces the tables: the same rows, none twice.
                if round == 1 { #expect(loaded == loads[name]) }
                loads[name] = loaded
            }
        }

        // The rejects of the last run through the API: by reason exactly as the contract counts them, and row by
        // row with personal fields masked.
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        var request = URLRequest(url: URL(string: "\(daemon.url)/api/v1/runs/\(run)/rejects?format=csv")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (csv, _) = try await URLSession.shared.data(for: request)
        #expect(String(decoding: csv, as: UTF8.self) == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/rejects.csv"), encoding: .utf8)))
        let listed = try await daemon.get("/api/v1/runs/\(run)/rejects?limit=1000")
        let rows = listed["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == listed["total"] as? Int && rows.count > 100)
        for row in rows {
            let fields = row["fields"] as? [String: String] ?? [:]
            for name in ["customer_name", "customer_email", "customer_phone", "seller_name"] where !(fields[name] ?? "").isEmpty {
                #expect(fields[name] == "***", "\(name) of \(row["file"] ?? "")")
            }
        }
        #expect(rows.contains { ($0["reason"] as? String) == "bad_price" && ($0["line"] as? Int ?? 0) > 1 })

        // The rejects of the last run, by reason, as the contract counts them.
        let lake = daemon.data.appendingPathComponent("lake")
        let dates = try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent("rejects/sales/pipeline=africa-trends").path).sorted()
        #expect(dates.count == 2, "each run keeps its own partition")
        let reasons = try String(contentsOf: lake.appendingPathComponent("rejects/sales/pipeline=africa-trends/\(dates[1])/reasons.csv"), encoding: .utf8)
        #expect(reasons == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/rejects.csv"), encoding: .utf8)))

        // Personal data: no email or phone of the input in the curated and analysis zones, the warehouse, the
        // vault's files or the logs (found by their shapes, then looked up among the input's); the same search
        // finds them in the raw zone, where files stay as received.
        let personal = try Self.personalValues(in: lake.appendingPathComponent("raw/sales"))
        #expect(personal.count > 100)
        var searched = 0
        for directory in [lake.appendingPathComponent("curated"), lake.appendingPathComponent("analysis"), daemon.data.appendingPathComponent("vault"),
            daemon.data.appendingPathComponent("logs"), daemon.data.appendingPathComponent("warehouse.sqlite")]
        {
            let found = try Self.personalValues(in: directory)
            searched += 1
            #expect(found.isEmpty, "\(found.count) emails or phones in clear text under \(directory.path), such as \(found.first ?? "")")
        }
        #expect(searched == 5)
    }

    /// Emails and phone numbers as the generator writes them, in every file under `location` (gzip files too).
    private static func personalValues(in location: URL) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: "[A-Za-z0-9.'-]+@example\\.[a-z]{2}|\\+[0-9]{2,3} [0-9]{9}")
        var files: [URL] = [location]
        if let enumerator = FileManager.default.enumerator(at: location, includingPropertiesForKeys: nil) {
            files = enumerator.compactMap { $0 as? URL }
        }
        var found: Set<String> = []
        for file in files {
            guard var data = try? Data(contentsOf: file) else { continue }
            if file.pathExtension == "gz" {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/gzip")
                process.arguments = ["-dc", file.path]
                let output = Pipe()
                process.standardOutput = output
                try process.run()
                data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
            }
            let text = String(decoding: data, as: UTF8.self)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range, in: text) { found.insert(String(text[range])) }
            }
        }
        return found
    }
}
