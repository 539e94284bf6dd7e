import Connectors
import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// The worker's store: figures and offsets committed together, so that replays and restarts change nothing.
@Suite struct FiguresStoreTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sales-events")

    /// The fixture as a 4-partition topic would hold it (partition by key), each message parsed as the worker does.
    private func items() throws -> [FiguresStore.Item] {
        let rates = try FXRates(csv: String(contentsOf: Self.fixtures.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
        var offsets: [Int32: Int64] = [:]
        return try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8).split(separator: "\n").map { line in
            let tab = line.firstIndex(of: "\t")!
            let partition = Int32(line[..<tab].utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF } % 4)
            let offset = offsets[partition, default: 0]
            offsets[partition] = offset + 1
            return FiguresStore.Item(
                partition: KafkaPartition(topic: "sales.events", partition: partition), offset: offset,
                event: try? SaleEvent.parse(Array(line[line.index(after: tab)...].utf8), rates: rates))
        }
    }

    private var expected: String {
        get throws { try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8) }
    }

    @Test func batchesReplaysAndARestartGiveExactlyTheExpectedFigures() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("figures.sqlite").path
        let all = try items()
        var generator = SplitMix(seed: 5)
        var start = 0
        var batches: [[FiguresStore.Item]] = []
        while start < all.count {
            let size = Int.random(in: 1...200, using: &generator)
            batches.append(Array(all[start..<min(all.count, start + size)]))
            start += size
        }
        let half = batches.count / 2
        do {
            let store = try FiguresStore(path: path)
            for batch in batches[..<half] { try store.commit(batch) }
            // A consumer that died before its offsets were known replays what it had already committed.
            for batch in batches[(half - 3)..<half] { try store.commit(batch) }
        }
        // A new process on the same file: it resumes from the stored offsets, as the consumer would.
        let store = try FiguresStore(path: path)
        let partitions = (0..<4).map { KafkaPartition(topic: "sales.events", partition: Int32($0)) }
        let resume = try store.startingOffsets(partitions)
        let rest = batches[half...].flatMap { $0 }.filter { $0.offset >= resume[$0.partition, default: 0] }
        #expect(rest.count == batches[half...].reduce(0) { $0 + $1.count }, "the stored offsets stand right after the first half")
        try store.commit(rest)
        #expect(SellerFigures.csv(try store.sellers()) == (try expected))
        let totals = try store.totals()
        #expect(totals.events + totals.duplicates + totals.deadLetters == all.count)
        #expect(totals.deadLetters == all.filter { $0.event == nil }.count)
        #expect(totals.duplicates > 0)
    }
}
