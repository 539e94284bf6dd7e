/// The FX file's rates for reading rows by the million: a currency's three letters and a month index lead to its
/// rate without a string or a hash (`FXRates.exactRate(_:inMonth:)` read the same, by text).
struct FXMonthTable: Sendable {
    private static let one = ExactAmount(units: 1, scale: 0)
    /// For each three-letter code (`AAA` is 0), where its months are in `months`, or -1.
    private let slots: [Int32]
    /// Per currency: the first month index it has a rate for, and the rates of the months from there (nil: none).
    private let months: [(first: Int, rates: [ExactAmount?])]

    init(_ rates: FXRates) {
        var byCurrency: [String: [(month: Int, exact: ExactAmount)]] = [:]
        for rate in rates.all { byCurrency[rate.currency, default: []].append((rate.monthIndex, rate.exact)) }
        var slots = [Int32](repeating: -1, count: 26 * 26 * 26)
        var months: [(first: Int, rates: [ExactAmount?])] = []
        for (currency, entries) in byCurrency {
            guard let code = Self.code(Array(currency.utf8)) else { continue }
            let first = entries.map(\.month).min()!
            var table = [ExactAmount?](repeating: nil, count: entries.map(\.month).max()! - first + 1)
            for entry in entries { table[entry.month - first] = entry.exact }
            slots[code] = Int32(months.count)
            months.append((first, table))
        }
        self.slots = slots
        self.months = months
    }

    /// The rate of `currency` (its bytes as written) in the month `index`, that month's own; USD is 1.
    func rate(currency: UnsafeBufferPointer<UInt8>, monthIndex: Int) -> ExactAmount? {
        guard currency.count == 3 else { return nil }
        if currency[0] == UInt8(ascii: "U"), currency[1] == UInt8(ascii: "S"), currency[2] == UInt8(ascii: "D") { return Self.one }
        guard let code = Self.code(currency) else { return nil }
        let slot = Int(slots[code])
        guard slot >= 0 else { return nil }
        let entry = months[slot]
        let offset = monthIndex - entry.first
        return offset >= 0 && offset < entry.rates.count ? entry.rates[offset] : nil
    }

    /// Three upper-case ASCII letters as a number; nil for anything else (the FX file holds no other codes).
    private static func code(_ bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count == 3 else { return nil }
        var code = 0
        for byte in bytes {
            guard byte >= 65, byte <= 90 else { return nil }
            code = code * 26 + Int(byte - 65)
        }
        return code
    }
}
