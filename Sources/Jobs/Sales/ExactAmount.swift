import Foundation

/// A non-negative decimal held exactly as an integer and a scale (value = units / 10^scale): parsed from plain
/// text, multiplied, and written back, without Foundation's `Decimal`, whose parsing and printing were a third of
/// the clean step. Up to 38 digits (Int128); an operation that would go beyond returns nil and the caller takes
/// `Decimal`'s path.
struct ExactAmount: Equatable, Sendable {
    let units: Int128
    let scale: Int

    /// Plain decimal text: digits, then optionally `.` and digits (no sign, exponent, grouping or spaces).
    static func parse(_ text: some Collection<UInt8>) -> ExactAmount? {
        var units: Int128 = 0
        var scale = 0
        var digits = 0
        var point = false
        var last: UInt8 = 0
        for byte in text {
            last = byte
            if byte == UInt8(ascii: ".") {
                guard !point, digits > 0 else { return nil }
                point = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            digits += 1
            guard digits <= 38 else { return nil }
            units = units * 10 + Int128(byte - 0x30)
            if point { scale += 1 }
        }
        guard digits > 0, last != UInt8(ascii: ".") else { return nil }
        return ExactAmount(units: units, scale: scale)
    }

    static func parse(_ text: String) -> ExactAmount? { parse(text.utf8) }

    /// The exact product, or nil beyond Int128.
    func times(_ other: ExactAmount) -> ExactAmount? {
        let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
        return overflow ? nil : ExactAmount(units: product, scale: scale + other.scale)
    }

    func times(_ count: Int) -> ExactAmount? {
        let (product, overflow) = units.multipliedReportingOverflow(by: Int128(count))
        return overflow ? nil : ExactAmount(units: product, scale: scale)
    }

    /// As `Decimal` writes it: no trailing zeros after the point, no point when whole (`12.50` → `12.5`, `3.00` → `3`).
    var text: String {
        var digits = Array(String(units).utf8)
        var scale = scale
        while scale > 0, digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            scale -= 1
        }
        if scale == 0 || units == 0 { return units == 0 ? "0" : String(decoding: digits, as: UTF8.self) }
        if digits.count <= scale { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1), at: 0) }
        digits.insert(UInt8(ascii: "."), at: digits.count - scale)
        return String(decoding: digits, as: UTF8.self)
    }

    /// The same value as a `Decimal`, exactly (built from its integer when that fits 64 bits).
    var decimal: Decimal {
        if units < 0 { return -ExactAmount(units: -units, scale: scale).decimal }
        if units <= Int128(UInt64.max), scale <= 127 {
            return Decimal(sign: .plus, exponent: -scale, significand: Decimal(UInt64(units)))
        }
        return Decimal(plain: text) ?? 0
    }
}

/// An amount as the rules computed it: exact in 128 bits, or (beyond 38 digits) Foundation's `Decimal`.
enum ExactOrDecimal: Equatable, Sendable {
    case exact(ExactAmount)
    case decimal(Decimal)

    /// The amount `count` times (-1: taken back out), exactly while it fits 128 bits.
    func times(_ count: Int) -> ExactOrDecimal {
        if count == 1 { return self }
        if case .exact(let exact) = self, let product = exact.times(count) { return .exact(product) }
        return .decimal(decimal * Decimal(count))
    }

    var decimal: Decimal {
        switch self {
        case .exact(let amount): amount.decimal
        case .decimal(let value): value
        }
    }

    /// As `Decimal` writes it.
    var text: String {
        switch self {
        case .exact(let amount): amount.text
        case .decimal(let value): "\(value)"
        }
    }
}

/// A sum of amounts kept as integers at a fixed scale of 20 decimal places (exact, and an addition costs an
/// integer add where `Decimal`'s costs a hundred times more); an amount finer than that, or a sum beyond 128 bits,
/// goes to a `Decimal` beside it. Plain values only: it adds in place inside a dictionary's value.
struct ExactSum: Equatable, Sendable {
    static let scale = 20
    private static let powers: [Int128] = (0...scale).map { power in (0..<power).reduce(Int128(1)) { product, _ in product * 10 } }
    private var units: Int128 = 0
    private var beyond: Decimal = 0

    mutating func add(_ amount: ExactOrDecimal) {
        guard case .exact(let exact) = amount, exact.scale <= Self.scale else {
            beyond += amount.decimal
            return
        }
        let (scaled, overflow) = exact.units.multipliedReportingOverflow(by: Self.powers[Self.scale - exact.scale])
        let (sum, beyondRange) = overflow ? (0, true) : units.addingReportingOverflow(scaled)
        if beyondRange { beyond += exact.decimal } else { units = sum }
    }

    mutating func add(_ other: ExactSum) {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        if overflow { beyond += ExactAmount(units: other.units, scale: Self.scale).decimal } else { units = sum }
        beyond += other.beyond
    }

    var decimal: Decimal { ExactAmount(units: units, scale: Self.scale).decimal + beyond }

    /// As `Decimal` writes it (how the stream's store keeps a sum).
    var text: String { beyond == 0 ? ExactAmount(units: units, scale: Self.scale).text : decimal.description }

    init() {}

    /// A sum as `text` wrote it (or any plain non-negative decimal); nil when it is not one.
    init?(text: String) {
        if let exact = ExactAmount.parse(text) {
            add(.exact(exact))
            return
        }
        // Beyond 38 digits: Decimal's parser, which would also take a prefix ("12abc" as 12), only on plain text.
        let points = text.utf8.filter { $0 == UInt8(ascii: ".") }.count
        guard points <= 1, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }),
            text.utf8.first != UInt8(ascii: "."), text.utf8.last != UInt8(ascii: "."), let value = Decimal(plain: text)
        else { return nil }
        beyond = value
    }
}
