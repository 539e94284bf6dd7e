import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// Reading sales files as the contract's section 1 allows them: RFC 4180, BOM, CRLF, gzip (several members too),
/// and clear errors for what cannot be read.
@Suite struct SalesFileReadingTests {
    private func records(_ bytes: [UInt8], name: String = "f.csv", chunk: Int = 3) throws -> [CSVRecordReader.Record] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let reader = CSVRecordReader(source: try ByteSource(path: path, chunkSize: chunk))
        var all: [CSVRecordReader.Record] = []
        while let record = try reader.next() { all.append(record) }
        return all
    }

    @Test func quotedFieldsBreaksAndLineNumbers() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n2,\"two\nlines\r\nhere\",z\n3,,\"\"\r4,last,no-break"
        // Small chunks: every state crosses a chunk's end somewhere.
        for chunk in [1, 2, 3, 7, 1 << 16] {
            let all = try records(Array(text.utf8), chunk: chunk)
            #expect(all.map(\.fields) == [
                ["a", "b", "c"], ["1", "x, \"y\"", "3"], ["2", "two\nlines\r\nhere", "z"], ["3", "", ""], ["4", "last", "no-break"],
            ])
            #expect(all.map(\.line) == [1, 2, 4, 7, 8], "chunk \(chunk)")
        }
    }

    /// What follows a closing quote stays in the field as it is; a quote left open at the end keeps what it has.
    @Test func bytesAfterAClosingQuoteAndAnUnclosedQuote() throws {
        let text = "a,b\n\"ab\"c\"d,\"\"\"\"\n\"x\"\"y\",\"open \"\"to the\nend"
        for chunk in [1, 2, 5, 1 << 16] {
            let all = try records(Array(text.utf8), chunk: chunk)
            #expect(all.map(\.fields) == [["a", "b"], ["abc\"d", "\""], ["x\"y", "open \"to the\nend"]])
            #expect(all.map(\.line) == [1, 2, 3])
        }
    }

    /// Any bytes, cut into reads of any size, give the same records: where a read ends never changes a record.
    @Test func whereAReadEndsNeverChangesARecord() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("a,\"\n\r\u{FEFF}é".utf8)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let whole = try records(bytes, chunk: 1 << 16)
            for chunk in [1, 2, 3, 4, 7] {
                let cut = try records(bytes, chunk: chunk)
                #expect(cut.map(\.fields) == whole.map(\.fields), "\(bytes) in reads of \(chunk)")
                #expect(cut.map(\.line) == whole.map(\.line), "\(bytes) in reads of \(chunk)")
            }
        }
    }

    @Test func gzipFilesAreReadWholeEvenInSeveralMembers() async throws {
        let first = try await Self.gzip(Array("a,b\n1,2\n".utf8))
        let second = try await Self.gzip(Array("3,4\n".utf8))
        #expect(try records(first + second, name: "f.csv.gz").map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func brokenGzipIsAClearErrorNamingTheFile() async throws {
        let whole = try await Self.gzip(Array(String(repeating: "a,b\n1,2\n", count: 200).utf8))
        #expect {
            try records(Array(whole.prefix(whole.count / 2)), name: "cut.csv.gz")
        } throws: { ($0 as? ByteSource.Failure)?.description.contains("cut.csv.gz: the gzip stream ends early") == true }
        var corrupt = whole
        corrupt[20] ^= 0xFF
        corrupt[21] ^= 0xFF
        #expect {
            try records(corrupt, name: "bad.csv.gz")
        } throws: { ($0 as? ByteSource.Failure)?.description.contains("bad.csv.gz: broken gzip data") == true }
        #expect(throws: ByteSource.Failure.self) { try records([], name: "empty.csv.gz") }
    }

    @Test func anEmptyFileOrOneWithoutAHeaderIsAFileError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("empty.csv").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let extraction = SalesExtraction(files: [path], rates: FXRates())
        #expect {
            try extraction.run(accepted: { _ in }, rejected: { _ in })
        } throws: { "\($0)".contains("empty.csv: empty, no header row") }
    }

    /// A header without a required column makes every row of its file `malformed_row`, before any other rule.
    @Test func aHeaderWithoutARequiredColumnRejectsEveryRow() throws {
        let rules = SaleRowRules(header: ["sale_id", "sold_at", "country"])
        #expect(rules.missingColumns.contains("currency"))
        let result = rules.read(["S-1", "2025-01-01T00:00:00Z", "ZA"], rates: FXRates(), accepted: [])
        #expect((try? result.get()) == nil)
        if case .failure(let cause) = result { #expect(cause.reason == .malformedRow) }
    }

    /// Our table of assigned codes is Debian's iso-codes list (installed for the tests by scripts/install-deps.sh).
    @Test func assignedCountryCodesAreISO3166() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/iso-codes/json/iso_3166-1.json"))
        let list = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["3166-1"] as? [[String: Any]])
        #expect(Set(list.compactMap { $0["alpha_2"] as? String }) == Countries.assigned)
        #expect(Countries.africanRegions.keys.allSatisfy { Countries.assigned.contains($0) })
        #expect(Countries.africanRegions["SD"] == "Northern Africa" && Countries.africanRegions["ZM"] == "Eastern Africa")
        #expect(Countries.africanRegions["AO"] == "Middle Africa" && Countries.code(" ma ") == "MA" && Countries.code("Morocco") == nil)
    }

    /// A row's country read from its bytes is the country the text rules give, for any text.
    @Test func countriesReadFromBytesAsFromText() {
        for text in ["MA", "ma", " mA\t", "m a", "ＭＡ", "\u{FB01}", "XX", "", "M", "MAR", " \u{00A0}ZA\u{00A0}", "z\u{0301}a"] {
            let index = Array(text.utf8).withUnsafeBufferPointer { Countries.index(bytes: $0) }
            #expect(index.flatMap { Countries.byIndex[$0] } == Countries.code(text), "\(text)")
        }
    }

    /// `gzip -n` of `bytes`, the process waited for on a thread of its own (never Foundation's `Process` on the
    /// cooperative pool, whose exit bookkeeping can stall it and starve other tests).
    static func gzip(_ bytes: [UInt8]) async throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("data").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let process = try SpawnedProcess(
            URL(fileURLWithPath: "/bin/gzip"), ["-n", path], stdoutPath: directory.appending("out").path, stderrPath: directory.appending("err").path)
        guard await process.exitStatus() == 0 else { throw CocoaError(.fileWriteUnknown) }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }
}
