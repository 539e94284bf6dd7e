import Foundation

extension FiguresStore {
    /// A deal as stored: its state and the ids of the events applied to it. A redelivered message is the same
    /// message, so it names the same deal: its id is found beside the deal's state, which every event reads anyway.
    /// (A table of every event id ever seen cost a random insert per event into an index larger than any cache.)
    struct StoredDeal: Sendable {
        var state: DealState
        /// The ids of the events applied, as the row stores them: each as a 4-byte little-endian header, then its
        /// bytes: a UUID (`EventID.uuid`) as `compactUUID` and its 16 bytes, any other id as its UTF-8 length and
        /// text. Kept encoded: a redelivery is found by comparing bytes, an id is added by appending, and the row is
        /// written as it is, with no array of ids made and unmade per deal.
        var eventIDs: [UInt8] = []
        /// Counted before event ids were kept with deals (store migration v4): its older ids are in `seenEvent`.
        var legacy = false

        init(state: DealState, eventIDs: [UInt8] = [], legacy: Bool = false) {
            self.state = state
            self.eventIDs = eventIDs
            self.legacy = legacy
        }

        init(state: DealState, ids: [EventID]) {
            self.init(state: state)
            for id in ids { append(id) }
        }

        /// The header that marks a UUID kept as its 16 bytes (no text id is this long: messages are far smaller).
        static let compactUUID: UInt32 = 0x8000_0010

        /// Whether `id` was applied to this deal.
        func contains(_ id: EventID) -> Bool {
            var found = false
            switch id {
            case .uuid(let high, let low):
                var text: [UInt8]?  // made only for a deal stored before UUIDs were kept compact (their text then)
                forEachEntry { header, bytes in
                    if header == Self.compactUUID {
                        found = UInt64(bigEndian: UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(as: UInt64.self)) == high
                            && UInt64(bigEndian: UnsafeRawPointer(bytes.baseAddress! + 8).loadUnaligned(as: UInt64.self)) == low
                    } else if header == 36 {
                        if text == nil { text = Array(id.description.utf8) }
                        found = bytes.elementsEqual(text!)
                    }
                    return !found
                }
            case .text(var text):
                text.withUTF8 { wanted in
                    forEachEntry { header, bytes in
                        found = header == UInt32(wanted.count) && (wanted.isEmpty || memcmp(bytes.baseAddress!, wanted.baseAddress!, wanted.count) == 0)
                        return !found
                    }
                }
            }
            return found
        }

        mutating func append(_ id: EventID) {
            // Room for a deal's usual events at once.
            if eventIDs.isEmpty { eventIDs.reserveCapacity(3 * 20) }
            switch id {
            case .uuid(let high, let low):
                withUnsafeBytes(of: Self.compactUUID.littleEndian) { eventIDs.append(contentsOf: $0) }
                withUnsafeBytes(of: high.bigEndian) { eventIDs.append(contentsOf: $0) }
                withUnsafeBytes(of: low.bigEndian) { eventIDs.append(contentsOf: $0) }
            case .text(let text):
                withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { eventIDs.append(contentsOf: $0) }
                eventIDs.append(contentsOf: text.utf8)
            }
        }

        /// The ids, decoded (for tests and inspection).
        var ids: [EventID] {
            var ids: [EventID] = []
            forEachEntry { header, bytes in
                if header == Self.compactUUID {
                    let raw = UnsafeRawPointer(bytes.baseAddress!)
                    ids.append(.uuid(
                        high: UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)), low: UInt64(bigEndian: (raw + 8).loadUnaligned(as: UInt64.self))))
                } else {
                    ids.append(.text(String(decoding: bytes, as: UTF8.self)))
                }
                return true
            }
            return ids
        }

        /// Calls `body` with each id's header and bytes in turn, while it returns true (a truncated blob ends the walk).
        private func forEachEntry(_ body: (UInt32, UnsafeBufferPointer<UInt8>) -> Bool) {
            eventIDs.withUnsafeBufferPointer { bytes in
                var index = 0
                while index + 4 <= bytes.count {
                    let header = UInt32(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt32.self))
                    let length = header == Self.compactUUID ? 16 : Int(header)
                    index += 4
                    guard index + length <= bytes.count, body(header, UnsafeBufferPointer(rebasing: bytes[index..<index + length])) else { return }
                    index += length
                }
            }
        }
    }
}
