import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Scheduler
import SchedulerTesting
import StandIns
import Testing

@testable import Jobs

/// The batch workflow through the daemon, as a user runs it: the africa-trends pipeline triggered with the
/// contract's fixture files, the warehouse's tables compared with the independent computation byte for byte, the
/// rejects counted by reason, and no person's name, email or phone anywhere past the raw and rejects zones.
/// One at a time: each daemon's batch steps keep both cores of this machine busy.
@Suite(.timeLimit(.minutes(3)), .serialized) struct BatchPipelineTests {
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../JobsTests/Fixtures/sales-batch-seed7").standardized
    private static let pipeline = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../jobs.d/africa-trends.yaml").standardized

    /// A warehouse table as the contract's CSV writes it (NULL as an empty field).
    private func table(_ name: String, in warehouse: URL) throws -> String {
        Scheduler.SQLiteProcess.configure()  // before any connection of the test process opens (see SQLiteProcessTests)
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
        var triggered = 0.0
        for round in 0..<2 {
            // A run's lake partition is its logical date to the second: the second run starts in a later second.
            try await eventually(within: 5, "a new second") { Date().timeIntervalSince1970.rounded(.down) > triggered }
            run = try await daemon.trigger("africa-trends", params: params)
            triggered = Date().timeIntervalSince1970.rounded(.down)
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

        // The panel's reports read the last run's analysis: its tables as the contract writes them, for download.
        let reports = (try await daemon.get("/api/v1/reports")["reports"] as? [[String: Any]]) ?? []
        #expect(reports.count == 1 && (reports.first?["run"] as? [String: Any])?["id"] as? Int == run, "\(reports)")
        for name in ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"] {
            var tableRequest = URLRequest(url: URL(string: "\(daemon.url)/api/v1/runs/\(run)/analysis/\(name)")!)
            tableRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (body, _) = try await URLSession.shared.data(for: tableRequest)
            #expect(String(decoding: body, as: UTF8.self) == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/\(name).csv"), encoding: .utf8)))
        }
        let analysis = try await daemon.get("/api/v1/runs/\(run)/analysis")
        let regions = (analysis["tables"] as? [[String: Any]])?.first { $0["name"] as? String == "africa_region_trends" }
        #expect((regions?["columns"] as? [String])?.first == "region")
        #expect((regions?["rows"] as? [[Any]])?.count == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/africa_region_trends.csv"), encoding: .utf8)).split(separator: "\n").count - 1)

        // Lineage: each step of each run started and completed, the clean step read the raw zone and wrote the
        // curated one with its rows and schema; exported as OpenLineage JSON lines.
        var lineageRequest = URLRequest(url: URL(string: "\(daemon.url)/api/v1/lineage/export")!)
        lineageRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (lineageBody, _) = try await URLSession.shared.data(for: lineageRequest)
        let lineageText = String(decoding: lineageBody, as: UTF8.self)
        let events = lineageText.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.count == 16, "2 runs × 4 steps × START and COMPLETE")
        let cleans = events.filter { ($0["job"] as? [String: Any])?["name"] as? String == "africa-trends.clean" && $0["eventType"] as? String == "COMPLETE" }
        #expect(cleans.count == 2)
        let outputs = cleans.last?["outputs"] as? [[String: Any]] ?? []
        let curated = outputs.first { ($0["name"] as? String ?? "").contains("/curated/sales/pipeline=africa-trends/date=") }
        let rowCount = ((curated?["outputFacets"] as? [String: Any])?["outputStatistics"] as? [String: Any])?["rowCount"] as? Int
        let accepted = 3000 - (try String(contentsOf: Self.fixture.appendingPathComponent("expected/rejects.csv"), encoding: .utf8))
            .split(separator: "\n").dropFirst().reduce(0) { $0 + (Int($1.split(separator: ",")[1]) ?? 0) }
        #expect(rowCount == accepted, "the curated rows in the lineage: \(String(describing: curated))")
        let fields = (((curated?["facets"] as? [String: Any])?["schema"] as? [String: Any])?["fields"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(fields?.contains("customer_token") == true && fields?.contains("customer_email") == false)
        #expect((cleans.last?["inputs"] as? [[String: Any]] ?? []).contains { ($0["name"] as? String ?? "").contains("/raw/sales/") })
        #expect(try Self.personalValues(in: lineageText).isEmpty, "no email or phone in the lineage")

        // The rejects of the last run, by reason, as the contract counts them.
        let lake = daemon.data.appendingPathComponent("lake")
        let dates = try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent("rejects/sales/pipeline=africa-trends").path).sorted()
        #expect(dates.count == 2, "each run keeps its own partition")
        let reasons = try String(contentsOf: lake.appendingPathComponent("rejects/sales/pipeline=africa-trends/\(dates[1])/reasons.csv"), encoding: .utf8)
        #expect(reasons == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/rejects.csv"), encoding: .utf8)))

        // Personal data: no email or phone of the input in the curated and analysis zones, the warehouse, the
        // vault's files or the logs (found by their shapes, then looked up among the input's); the same search
        // finds them in the raw zone, where files stay as received.
        let personal = try await onThread { try Self.personalValues(in: lake.appendingPathComponent("raw/sales")) }
        #expect(personal.count > 100)
        var searched = 0
        for directory in [lake.appendingPathComponent("curated"), lake.appendingPathComponent("analysis"), daemon.data.appendingPathComponent("vault"),
            daemon.data.appendingPathComponent("logs"), daemon.data.appendingPathComponent("warehouse.sqlite")]
        {
            let found = try await onThread { try Self.personalValues(in: directory) }
            searched += 1
            #expect(found.isEmpty, "\(found.count) emails or phones in clear text under \(directory.path), such as \(found.first ?? "")")
        }
        #expect(searched == 5)
    }

    private static let personalShape = #"[A-Za-z0-9.'-]+@example\.[a-z]{2}|\+[0-9]{2,3} [0-9]{9}"#

    /// Emails and phone numbers as the generator writes them, in `text`.
    private static func personalValues(in text: String) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: personalShape)
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// Emails and phone numbers as the generator writes them, in every file under `location` (gzip files too).
    private static func personalValues(in location: URL) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: personalShape)
        var files: [URL] = [location]
        if let enumerator = FileManager.default.enumerator(at: location, includingPropertiesForKeys: nil) {
            files = enumerator.compactMap { $0 as? URL }
        }
        var found: Set<String> = []
        for file in files {
            guard var data = try? Data(contentsOf: file) else { continue }
            if file.pathExtension == "gz" {
                // Decompressed with zlib in this process (no child process to wait for).
                let source = try ByteSource(path: file.path)
                var all: [UInt8] = []
                while case let chunk = try source.next(), !chunk.isEmpty { all += chunk }
                data = Data(all)
            }
            let text = String(decoding: data, as: UTF8.self)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range, in: text) { found.insert(String(text[range])) }
            }
        }
        return found
    }

    /// The pipeline as shipped, with quick retries (a test cannot wait 30 s between tries).
    private func quickPipeline() throws -> String {
        try String(contentsOf: Self.pipeline, encoding: .utf8).replacingOccurrences(of: "retry_backoff: 30s", with: "retry_backoff: 1s")
    }

    /// The fixture's files eight times over (sale ids made unique per copy): enough rows that a crash lands mid-step.
    private func largeInput(in root: TemporaryDirectory) throws -> URL {
        let directory = root.appending("large")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for copy in 0..<8 {
            for name in try FileManager.default.contentsOfDirectory(atPath: Self.fixture.appendingPathComponent("sales").path) where name.hasSuffix(".csv") {
                let text = try String(contentsOf: Self.fixture.appendingPathComponent("sales/\(name)"), encoding: .utf8)
                try text.replacingOccurrences(of: "SL-", with: "SL-\(copy)-").write(
                    to: directory.appendingPathComponent("\(copy)-\(name)"), atomically: false, encoding: .utf8)
            }
        }
        return directory
    }

    /// The contract's tables computed in this process from the same files (the rules are held to the reference
    /// elsewhere): what the warehouse must hold.
    private func reference(sales: URL, fx: URL = Self.fixture.appendingPathComponent("fx_rates.csv")) throws -> [String: String] {
        let rates = try FXRates(csv: String(contentsOf: fx, encoding: .utf8))
        var figures = AfricaFigures()
        try SalesExtraction(files: try SalesExtraction.files(at: sales.path), rates: rates).run(accepted: { figures.count($0) }, rejected: { _ in })
        return [
            "africa_monthly_sales": AfricaTables.monthlySales(figures), "africa_country_trends": AfricaTables.countryTrends(figures),
            "africa_region_trends": AfricaTables.regionTrends(figures),
        ]
    }

    /// The pipeline as shipped, on its defaults, with `serve --demo`: the first start writes the demo's sales into
    /// `<data>/incoming` and runs the pipeline once on them, without anyone triggering it; a restart runs nothing more.
    @Test func theFirstDemoStartRunsTheShippedPipelineOnItsOwnSales() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try quickPipeline())
        try await daemon.start(extra: ["--demo"])
        var runs: [[String: Any]] = []
        try await eventually(within: 30, "the demo's run to start") {
            runs = (try await daemon.get("/api/v1/runs?pipeline=africa-trends")["runs"] as? [[String: Any]]) ?? []
            return !runs.isEmpty
        }
        let run = try #require(runs.first?["id"] as? Int)
        try await eventually(within: 90, "the run to finish") { try await daemon.runState(run).map { ["succeeded", "failed"].contains($0) } ?? false }
        let attempts = try await daemon.attempts(run)
        #expect(try await daemon.runState(run) == "succeeded", "\(attempts)")
        daemon.stop()
        let again = try Daemon(root: daemon.root)
        try await again.start(extra: ["--demo"])
        let after = (try await again.get("/api/v1/runs?pipeline=africa-trends")["runs"] as? [[String: Any]]) ?? []
        #expect(after.count == 1, "a second start runs no second demo: \(after)")
        withExtendedLifetime(daemon) {}
        let incoming = daemon.data.appendingPathComponent("incoming")
        #expect(try FileManager.default.contentsOfDirectory(atPath: incoming.appendingPathComponent("sales").path).count == 4)
        let expected = try await onThread { try reference(sales: incoming.appendingPathComponent("sales"), fx: incoming.appendingPathComponent("fx_rates.csv")) }
        for (name, text) in expected { #expect(try table(name, in: daemon.data.appendingPathComponent("warehouse.sqlite")) == text, "\(name)") }
        #expect(expected["africa_region_trends"]?.split(separator: "\n").count == 6, "every region of Africa in the demo")
    }

    /// `kill -9` while the run's steps work, then a restart: the run completes, with the same tables.
    @Test func aKilledDaemonCompletesTheRunWithTheSameTables() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try quickPipeline())
        let root = daemon.root
        let sales = try await onThread { try largeInput(in: root) }
        let expected = try await onThread { try reference(sales: sales) }
        try await daemon.start()
        let run = try await daemon.trigger(
            "africa-trends", params: ["sales": sales.path, "fx_rates": Self.fixture.appendingPathComponent("fx_rates.csv").path])
        try await eventually(within: 60, "a step past extract to be running") {
            try await daemon.attempts(run).contains { ["clean", "trends"].contains($0["task"] as? String ?? "") && ($0["state"] as? String) == "running" }
        }
        daemon.kill9()
        try await eventually("the daemon to be gone") { kill(daemon.pid, 0) != 0 }
        let again = try Daemon(root: daemon.root)
        try await again.start()
        try await eventually(within: 120, "the run to finish") { try await again.runState(run).map { ["succeeded", "failed"].contains($0) } ?? false }
        let state = try await again.runState(run)
        let attempts = try await again.attempts(run)
        #expect(state == "succeeded", "\(attempts)")
        for (name, text) in expected { #expect(try table(name, in: again.data.appendingPathComponent("warehouse.sqlite")) == text, "\(name)") }
        let staging = try FileManager.default.contentsOfDirectory(atPath: again.data.appendingPathComponent("lake/.staging").path)
        #expect(staging.isEmpty, "what the killed step staged is gone: \(staging)")
        withExtendedLifetime(daemon) {}
    }

    /// A run that fails (a broken gzip file) publishes nothing: the lake's partitions and the warehouse stay as the
    /// last good run left them.
    @Test func aFailedRunLeavesTheLakeAndTheWarehouseAsTheyWere() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try quickPipeline().replacingOccurrences(of: "retries: 2", with: "retries: 0"))
        try await daemon.start()
        let fx = Self.fixture.appendingPathComponent("fx_rates.csv").path
        let good = try await daemon.trigger("africa-trends", params: ["sales": Self.fixture.appendingPathComponent("sales").path, "fx_rates": fx])
        try await eventually(within: 60, "the good run to finish") { try await daemon.runState(good) == "succeeded" }
        let warehouse = daemon.data.appendingPathComponent("warehouse.sqlite")
        let before = try ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"].map { try table($0, in: warehouse) }

        let broken = daemon.root.appending("broken")
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("sales"), to: broken)
        var gzip = try Data(contentsOf: broken.appendingPathComponent("sales-003.csv.gz"))
        gzip.removeLast(gzip.count / 3)
        try gzip.write(to: broken.appendingPathComponent("sales-003.csv.gz"))
        let bad = try await daemon.trigger("africa-trends", params: ["sales": broken.path, "fx_rates": fx])
        try await eventually(within: 60, "the bad run to fail") { try await daemon.runState(bad) == "failed" }
        let attempts = try await daemon.attempts(bad)
        let clean = attempts.first { $0["task"] as? String == "clean" }
        let error = clean?["reason"] as? String ?? ""
        #expect(error.contains("sales-003.csv.gz: the gzip stream ends early"), "\(attempts)")
        #expect(try ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"].map { try table($0, in: warehouse) } == before)
        let lake = daemon.data.appendingPathComponent("lake")
        let curated = try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent("curated/sales/pipeline=africa-trends").path)
        #expect(curated.count == 1, "only the good run's curated partition: \(curated)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent(".staging").path).isEmpty)
    }

    /// A disk that fills up while a step writes (the daemon run under a file-size limit: its writes past 2 MB fail
    /// as writes to a full disk do): the step fails saying so and naming the file, the lake's partitions and the
    /// warehouse stay as the last good run left them, nothing is left half-written in staging; with room again
    /// (a restart without the limit), the same run's rerun succeeds.
    @Test func aFullDiskFailsTheRunAndLeavesWhatWasPublished() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try quickPipeline().replacingOccurrences(of: "retries: 2", with: "retries: 0"))
        try await daemon.start(fileSizeLimitKB: 2048)
        let fx = Self.fixture.appendingPathComponent("fx_rates.csv").path
        let good = try await daemon.trigger("africa-trends", params: ["sales": Self.fixture.appendingPathComponent("sales").path, "fx_rates": fx])
        try await eventually(within: 60, "the good run to finish") { try await daemon.runState(good) == "succeeded" }
        let warehouse = daemon.data.appendingPathComponent("warehouse.sqlite")
        let tables = ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"]
        let before = try tables.map { try table($0, in: warehouse) }

        // One sales file of about 4.5 MB: the fixture's first file forty times over, each copy's ids its own.
        let big = daemon.root.appending("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        let text = try String(contentsOf: Self.fixture.appendingPathComponent("sales/sales-001.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var large = String(lines[0]) + "\n"
        for copy in 0..<40 { large += lines.dropFirst().filter { !$0.isEmpty }.joined(separator: "\n").replacingOccurrences(of: "SL-", with: "SL-\(copy)-") + "\n" }
        try large.write(to: big.appendingPathComponent("sales-001.csv"), atomically: false, encoding: .utf8)
        let full = try await daemon.trigger("africa-trends", params: ["sales": big.path, "fx_rates": fx])
        try await eventually(within: 60, "the run to fail") { try await daemon.runState(full) == "failed" }
        let reason = try await daemon.attempts(full).compactMap { $0["reason"] as? String }.joined(separator: " | ")
        #expect(reason.contains("File too large") && reason.contains("sales-001.csv"), "the error says what and where: \(reason)")
        #expect(try tables.map { try table($0, in: warehouse) } == before, "the warehouse as the good run left it")
        let lake = daemon.data.appendingPathComponent("lake")
        let raw = try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent("raw/sales/pipeline=africa-trends").path)
        #expect(raw.count == 1, "only the good run's raw partition: \(raw)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent(".staging").path).isEmpty, "nothing half-written left")

        daemon.stop()
        try await daemon.start()
        let rerun = try await daemon.request("POST", "/api/v1/runs/\(full)/rerun", [:])
        #expect(rerun.status == 200, "\(rerun)")
        try await eventually(within: 90, "the rerun to succeed with room on the disk") { try await daemon.runState(full) == "succeeded" }
        #expect(try table("africa_monthly_sales", in: warehouse) == (try reference(sales: big))["africa_monthly_sales"])
        daemon.stop()
    }

    /// The lake on HDFS (`lake.webhdfs`, the WebHDFS stand-in): the same tables and rejects, every zone on HDFS
    /// through the namenode's redirects, no personal data past the raw and rejects zones there, and the panel's
    /// reports and rejects read back from it.
    @Test func theLakeOnHDFSGivesTheSameTables() async throws {
        let daemon = try Daemon()
        let hdfs = daemon.root.appending("hdfs")
        try FileManager.default.createDirectory(at: hdfs, withIntermediateDirectories: true)
        let standIn = try await WebHDFSStandIn(directory: hdfs, user: "etl")
        let settings = daemon.root.appending("settings.yaml")
        try "lake:\n  webhdfs:\n    url: \(standIn.url)\n    root: /warehouse/lake\n    user: etl\n".write(to: settings, atomically: true, encoding: .utf8)
        try daemon.write("africa-trends.yaml", try quickPipeline())
        try await daemon.start(extra: ["--config", settings.path])
        let run = try await daemon.trigger(
            "africa-trends", params: ["sales": Self.fixture.appendingPathComponent("sales").path, "fx_rates": Self.fixture.appendingPathComponent("fx_rates.csv").path])
        try await eventually(within: 90, "the run to finish") { try await daemon.runState(run).map { ["succeeded", "failed"].contains($0) } ?? false }
        let attempts = try await daemon.attempts(run)
        #expect(try await daemon.runState(run) == "succeeded", "\(attempts)")
        for name in ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"] {
            let loaded = try table(name, in: daemon.data.appendingPathComponent("warehouse.sqlite"))
            #expect(loaded == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/\(name).csv"), encoding: .utf8)), "\(name)")
        }
        #expect(standIn.violations.isEmpty, "\(standIn.violations)")
        #expect(standIn.requests.allSatisfy { $0.user == "etl" })
        let lake = hdfs.appendingPathComponent("warehouse/lake")
        for zone in ["raw/sales", "raw/fx_rates", "curated/sales", "rejects/sales", "analysis/africa-trends"] {
            let dates = (try? FileManager.default.contentsOfDirectory(atPath: lake.appendingPathComponent("\(zone)/pipeline=africa-trends").path)) ?? []
            #expect(dates.count == 1, "\(zone) on HDFS: \(dates)")
        }
        #expect(!FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("lake").path), "nothing in the local lake")
        for directory in [lake.appendingPathComponent("curated"), lake.appendingPathComponent("analysis")] {
            let found = try await onThread { try Self.personalValues(in: directory) }
            #expect(found.isEmpty, "\(found.count) emails or phones in clear text under \(directory.path)")
        }
        // Read back from HDFS: the rejects by reason, and the analysis the reports show.
        let token = try String(contentsOf: daemon.data.appendingPathComponent("local-admin.token"), encoding: .utf8)
        var request = URLRequest(url: URL(string: "\(daemon.url)/api/v1/runs/\(run)/rejects?format=csv")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (csv, _) = try await URLSession.shared.data(for: request)
        #expect(String(decoding: csv, as: UTF8.self) == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/rejects.csv"), encoding: .utf8)))
        let analysis = try await daemon.get("/api/v1/runs/\(run)/analysis")
        #expect((analysis["tables"] as? [[String: Any]])?.count == AfricaTrendsJob.tables.count)
        // Lineage names the datasets where they are.
        let graph = try await daemon.get("/api/v1/lineage/datasets?q=webhdfs://")
        #expect(((graph["datasets"] as? [[String: Any]]) ?? []).count >= 5)
    }

    /// The warehouse on SQL Server (`warehouse.sqlserver`, the TDS stand-in, the password from the environment):
    /// the same three tables byte for byte, rows sent by FreeTDS's bulk copy; then a wrong password fails the load
    /// with SQL Server's words and leaves the tables as they were.
    @Test func theWarehouseOnSQLServerGetsTheSameTables() async throws {
        let server = try SQLServerStandIn()
        let daemon = try Daemon()
        let settings = daemon.root.appending("settings.yaml")
        let write = { (variable: String) in
            try "warehouse:\n  sqlserver:\n    host: 127.0.0.1\n    port: \(server.port)\n    database: sales\n    user: \(server.user)\n    password: {env: \(variable)}\n"
                .write(to: settings, atomically: true, encoding: .utf8)
        }
        try write("AO_TEST_SQL_PASSWORD")
        try daemon.write("africa-trends.yaml", try quickPipeline().replacingOccurrences(of: "retries: 2", with: "retries: 0"))
        try await daemon.start(extra: ["--config", settings.path], environment: ["AO_TEST_SQL_PASSWORD": server.password, "AO_TEST_WRONG": "nope"])
        let params = ["sales": Self.fixture.appendingPathComponent("sales").path, "fx_rates": Self.fixture.appendingPathComponent("fx_rates.csv").path]
        let run = try await daemon.trigger("africa-trends", params: params)
        try await eventually(within: 90, "the run to finish") { try await daemon.runState(run).map { ["succeeded", "failed"].contains($0) } ?? false }
        let attempts = try await daemon.attempts(run)
        #expect(try await daemon.runState(run) == "succeeded", "\(attempts)")
        for name in ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"] {
            #expect(server.csv(name) == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/\(name).csv"), encoding: .utf8)), "\(name)")
        }
        #expect(server.logins.allSatisfy { $0 == "loader@sales (autooptimize)" } && !server.logins.isEmpty)
        #expect(server.violations.isEmpty, "\(server.violations)")
        #expect(!FileManager.default.fileExists(atPath: daemon.data.appendingPathComponent("warehouse.sqlite").path), "no SQLite warehouse beside it")
        let lineage = try await daemon.get("/api/v1/lineage/datasets?q=sqlserver://")
        #expect(((lineage["datasets"] as? [[String: Any]]) ?? []).count == AfricaTrendsJob.tables.count, "\(lineage)")

        // The password changed behind the daemon's back: the load fails saying so; the tables stay.
        daemon.stop()
        try write("AO_TEST_WRONG")
        let again = try Daemon(root: daemon.root)
        try await again.start(extra: ["--config", settings.path], environment: ["AO_TEST_WRONG": "not-the-password"])
        let failing = try await again.trigger("africa-trends", params: params)
        try await eventually(within: 90, "the run to fail") { try await again.runState(failing) == "failed" }
        let load = try await again.attempts(failing).first { $0["task"] as? String == "load" }
        let reason = (load?["reason"] as? String) ?? ""
        #expect(reason.contains("Login failed for user 'loader'"), "\(String(describing: load))")
        for name in ["africa_monthly_sales", "africa_country_trends", "africa_region_trends"] {
            #expect(server.csv(name) == (try String(contentsOf: Self.fixture.appendingPathComponent("expected/\(name).csv"), encoding: .utf8)), "\(name)")
        }
        withExtendedLifetime(daemon) {}
    }

    /// A sales file that is gone by the time the step reads it (listed, then deleted: here a link whose target was
    /// removed): the step fails naming it, and nothing of the run reaches the lake.
    @Test func aFileThatDisappearsFailsTheStepNamingIt() async throws {
        let daemon = try Daemon()
        try daemon.write("africa-trends.yaml", try quickPipeline().replacingOccurrences(of: "retries: 2", with: "retries: 0"))
        try await daemon.start()
        let sales = daemon.root.appending("sales")
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("sales"), to: sales)
        let vanished = daemon.root.appending("vanished.csv")
        try "sale_id\n".write(to: vanished, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: sales.appendingPathComponent("sales-009.csv"), withDestinationURL: vanished)
        try FileManager.default.removeItem(at: vanished)
        let run = try await daemon.trigger("africa-trends", params: ["sales": sales.path, "fx_rates": Self.fixture.appendingPathComponent("fx_rates.csv").path])
        try await eventually(within: 60, "the run to fail") { try await daemon.runState(run) == "failed" }
        let extract = try await daemon.attempts(run).first { $0["task"] as? String == "extract" }
        let reason = (extract?["reason"] as? String) ?? ""
        #expect(reason.contains("sales-009.csv"), "\(reason)")
        let raw = daemon.data.appendingPathComponent("lake/raw")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: raw.appendingPathComponent("sales").path)) ?? []).isEmpty, "nothing published")
    }
}
