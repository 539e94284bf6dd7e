import Testing

@testable import Jobs

/// The duplicate rule's set: ids compared as bytes, through growth, whatever their lengths.
@Suite struct SaleIDSetTests {
    private func insert(_ set: inout SaleIDSet, _ id: [UInt8]) -> Bool {
        id.withUnsafeBufferPointer { set.insert($0, hash: SaleIDSet.hash($0, seed: set.seed)) }
    }

    private func contains(_ set: SaleIDSet, _ id: [UInt8]) -> Bool {
        id.withUnsafeBufferPointer { set.contains($0, hash: SaleIDSet.hash($0, seed: set.seed)) }
    }

    @Test func eachIdOnceThroughGrowthAndPrefixes() {
        // Room for few: the set grows several times on the way.
        var set = SaleIDSet(capacity: 10)
        let ids = (0..<50_000).map { Array("SL-\($0)".utf8) } + [Array("é".utf8), Array(repeating: UInt8(ascii: "x"), count: 300)]
        for id in ids { #expect(insert(&set, id), "\(id) was new") }
        #expect(set.count == ids.count)
        for id in ids {
            #expect(!insert(&set, id))
            #expect(contains(set, id))
        }
        // Prefixes and extensions of stored ids, and the same text in other bytes, are other ids.
        for other in ["SL-", "SL-500000", "SL-1 ", " SL-1", "e\u{301}"].map({ Array($0.utf8) }) { #expect(!contains(set, other), "\(other)") }
        #expect(!contains(set, Array(repeating: UInt8(ascii: "x"), count: 299)))
        #expect(set.count == ids.count)
    }

    @Test func theHashDependsOnTheSeedAndEveryByte() {
        let id = Array("SL-000000001".utf8)
        id.withUnsafeBufferPointer { bytes in
            #expect(SaleIDSet.hash(bytes, seed: 1) != SaleIDSet.hash(bytes, seed: 2))
            for position in bytes.indices {
                var changed = id
                changed[position] ^= 1
                changed.withUnsafeBufferPointer { #expect(SaleIDSet.hash($0, seed: 1) != SaleIDSet.hash(bytes, seed: 1)) }
            }
        }
    }
}
