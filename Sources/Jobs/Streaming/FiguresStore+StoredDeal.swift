extension FiguresStore {
    /// A deal as stored: its state and the ids of the events applied to it. A redelivered message is the same
    /// message, so it names the same deal: its id is found beside the deal's state, which every event reads anyway.
    /// (A table of every event id ever seen cost a random insert per event into an index larger than any cache.)
    struct StoredDeal: Sendable {
        var state: DealState
        /// The ids of the events applied, as the row stores them: each id's UTF-8 length (4 bytes, little-endian),
        /// then its bytes. Kept encoded: a redelivery is found by comparing bytes, an id is added by appending, and
        /// the row is written as it is, with no array of strings made and unmade per deal.
        var eventIDs: [UInt8] = []
        /// Counted before event ids were kept with deals (store migration v4): its older ids are in `seenEvent`.
        var legacy = false

        init(state: DealState, eventIDs: [UInt8] = [], legacy: Bool = false) {
            self.state = state
            self.eventIDs = eventIDs
            self.legacy = legacy
        }

        init(state: DealState, ids: [String]) {
            self.init(state: state)
            for id in ids { append(id) }
        }

        /// Whether `id` was applied to this deal.
        func contains(_ id: String) -> Bool {
            var id = id
            return id.withUTF8 { wanted in
                var found = false
                forEachID { stored in
                    found = stored.count == wanted.count && (0..<wanted.count).allSatisfy { stored[$0] == wanted[$0] }
                    return !found
                }
                return found
            }
        }

        mutating func append(_ id: String) {
            let length = UInt32(id.utf8.count)
            // Room for a deal's usual events at once.
            if eventIDs.isEmpty { eventIDs.reserveCapacity(3 * (4 + Int(length))) }
            withUnsafeBytes(of: length.littleEndian) { eventIDs.append(contentsOf: $0) }
            eventIDs.append(contentsOf: id.utf8)
        }

        /// The ids, decoded (for tests and inspection).
        var ids: [String] {
            var ids: [String] = []
            forEachID { stored in
                ids.append(String(decoding: stored, as: UTF8.self))
                return true
            }
            return ids
        }

        /// Calls `body` with each id's bytes in turn, while it returns true (a truncated blob ends the walk).
        private func forEachID(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
            eventIDs.withUnsafeBufferPointer { bytes in
                var index = 0
                while index + 4 <= bytes.count {
                    let length = Int(bytes[index]) | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 24
                    index += 4
                    guard index + length <= bytes.count, body(UnsafeBufferPointer(rebasing: bytes[index..<index + length])) else { return }
                    index += length
                }
            }
        }
    }
}
