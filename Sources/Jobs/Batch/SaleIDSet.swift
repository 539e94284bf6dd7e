import Glibc

/// The sale ids an extraction has accepted, as bytes (the contract compares ids as written): open addressing over
/// one array of slots, the ids themselves back to back in another. A `Set<String>` made a string and hashed it with
/// SipHash on the judging thread for each of millions of rows; here the reading threads hash (`hash(_:)`), and the
/// judge probes.
///
/// The hash is keyed by a random seed per extraction, so that a file cannot be made of ids that all collide.
struct SaleIDSet {
    /// Each slot: 0 when empty, else the id's hash's top 24 bits (never all zero) and where the id is in `ids`.
    private var slots: [UInt64]
    private var mask: Int
    /// Each id as its length (LEB128) and its bytes.
    private var ids: [UInt8] = []
    private(set) var count = 0
    let seed: UInt64

    init(capacity: Int, seed: UInt64 = .random(in: .min ... .max)) {
        var size = 1024
        while size < capacity + capacity / 3 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        self.seed = seed
        ids.reserveCapacity(min(capacity, 1 << 26) * 12)
    }

    /// A 64-bit hash of an id under this set's seed: eight bytes at a time, each word mixed by a 128-bit multiply
    /// (as wyhash does), the length folded in.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let prime: UInt64 = 0x9E37_79B9_7F4A_7C15
        var state = seed ^ UInt64(bytes.count) &* prime
        var index = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while index + 8 <= bytes.count {
            state = mix(state ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self), prime)
            index += 8
        }
        if index < bytes.count {
            var tail: UInt64 = 0
            for (shift, byte) in bytes[index...].enumerated() { tail |= UInt64(byte) << (8 * UInt64(shift)) }
            state = mix(state ^ tail, prime)
        }
        return mix(state, 0xBF58_476D_1CE4_E5B9)
    }

    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Adds the id; false when it was there already.
    mutating func insert(_ id: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        let tag = Self.tag(hash)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            if slots[slot] >> 40 == tag, matches(id, at: Int(slots[slot] & 0xFF_FFFF_FFFF)) { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = tag << 40 | UInt64(ids.count)
        var length = id.count
        repeat {
            ids.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
            length >>= 7
        } while length > 0
        ids.append(contentsOf: id)
        count += 1
        if count * 4 > slots.count * 3 { grow() }
        return true
    }

    func contains(_ id: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        let tag = Self.tag(hash)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            if slots[slot] >> 40 == tag, matches(id, at: Int(slots[slot] & 0xFF_FFFF_FFFF)) { return true }
            slot = (slot + 1) & mask
        }
        return false
    }

    /// The top 24 bits of the hash, never 0 (an empty slot is 0).
    private static func tag(_ hash: UInt64) -> UInt64 { max(hash >> 40, 1) }

    private func matches(_ id: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        ids.withUnsafeBufferPointer { stored in
            let candidate = Self.id(in: stored, at: offset)
            return candidate.count == id.count && (id.isEmpty || memcmp(candidate.baseAddress!, id.baseAddress!, id.count) == 0)
        }
    }

    /// The id stored at `offset` (its length, then its bytes).
    private static func id(in stored: UnsafeBufferPointer<UInt8>, at offset: Int) -> UnsafeBufferPointer<UInt8> {
        var position = offset
        var length = 0
        var shift = 0
        while true {
            let byte = stored[position]
            position += 1
            length |= Int(byte & 0x7F) << shift
            shift += 7
            if byte < 0x80 { break }
        }
        return UnsafeBufferPointer(rebasing: stored[position..<(position + length)])
    }

    /// Twice the slots, each id placed again by its hash (recomputed: the slot keeps only part of it).
    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        ids.withUnsafeBufferPointer { stored in
            for entry in old where entry != 0 {
                let hash = Self.hash(Self.id(in: stored, at: Int(entry & 0xFF_FFFF_FFFF)), seed: seed)
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = entry
            }
        }
    }
}
