import Foundation

/// US dollars per unit of each currency, by month, from the contract's FX file (`month,currency,usd_per_unit`).
/// A sale event converts at its own UTC month's rate, or the latest earlier month's when its month has none; a
/// historical sale at its own month's only. USD is 1 always.
struct FXRates: Sendable {
    /// Currency → (month `YYYY-MM`, the month as a number (`year × 12 + month − 1`: an event's month finds its
    /// rate with no text made), rate, and the rate as an exact integer and scale), months ascending.
    private var rates: [String: [(month: String, index: Int, rate: Decimal, exact: ExactAmount)]] = [:]

    struct Failure: Error, Equatable, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    init() {}

    /// Reads the file's text; every line must be valid (a wrong rate would make every figure wrong).
    init(csv text: String) throws(Failure) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.last == "" { lines.removeLast() }
        guard lines.first?.replacingOccurrences(of: "\u{FEFF}", with: "") == "month,currency,usd_per_unit" else {
            throw Failure(line: 1, message: "the header must be month,currency,usd_per_unit")
        }
        var table: [String: [(month: String, index: Int, rate: Decimal, exact: ExactAmount)]] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { throw Failure(line: index + 1, message: "expected 3 fields, found \(fields.count)") }
            guard Self.isMonth(fields[0]) else { throw Failure(line: index + 1, message: "month \"\(fields[0])\" is not YYYY-MM") }
            guard fields[1].count == 3, fields[1].allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw Failure(line: index + 1, message: "currency \"\(fields[1])\" is not an ISO 4217 code")
            }
            guard let rate = Self.decimal(fields[2]), rate > 0, let exact = ExactAmount.parse(fields[2]) else {
                throw Failure(line: index + 1, message: "usd_per_unit \"\(fields[2])\" is not a positive decimal")
            }
            table[fields[1], default: []].append((fields[0], Self.monthIndex(fields[0]), rate, exact))
        }
        rates = table.mapValues { $0.sorted { $0.month < $1.month } }
    }

    /// The rate for `currency` in `month`: its own, else the latest earlier month's; nil when there is none.
    func rate(_ currency: String, month: String) -> Decimal? {
        Self.isMonth(month) ? exactRate(currency, notAfterMonth: Self.monthIndex(month))?.decimal : nil
    }

    /// `rate(_:month:)` for the month `EventTime.monthIndex` numbers, as an exact integer and scale too (the stream's
    /// hot path).
    func exactRate(_ currency: String, notAfterMonth month: Int) -> (decimal: Decimal, exact: ExactAmount)? {
        if currency == "USD" { return (1, ExactAmount(units: 1, scale: 0)) }
        guard let months = rates[currency] else { return nil }
        var low = 0
        var high = months.count
        while low < high {
            let middle = (low + high) / 2
            if months[middle].index <= month { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : (months[low - 1].rate, months[low - 1].exact)
    }

    /// `YYYY-MM` (as `isMonth` checks it) as `EventTime.monthIndex` numbers it.
    private static func monthIndex(_ month: String) -> Int {
        let bytes = Array(month.utf8)
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1) - 0x30 } }
        return EventTime.monthIndex(number(0..<4), number(5..<7))
    }

    /// The rate for `currency` in `month` itself, never another month's (how a historical sale converts: the
    /// contract's section 2); nil when that month has none.
    func rate(_ currency: String, inMonth month: String) -> Decimal? { exactRate(currency, inMonth: month)?.decimal }

    /// `rate(_:inMonth:)` as an exact integer and scale (the batch's hot path).
    func exactRate(_ currency: String, inMonth month: String) -> (decimal: Decimal, exact: ExactAmount)? {
        if currency == "USD" { return (1, ExactAmount(units: 1, scale: 0)) }
        guard let months = rates[currency] else { return nil }
        var low = 0
        var high = months.count
        while low < high {
            let middle = (low + high) / 2
            if months[middle].month < month { low = middle + 1 } else { high = middle }
        }
        return low < months.count && months[low].month == month ? (months[low].rate, months[low].exact) : nil
    }

    /// Every rate of the file: currency, month, rate.
    var all: [(currency: String, month: String, monthIndex: Int, exact: ExactAmount)] {
        rates.flatMap { currency, months in months.map { (currency, $0.month, $0.index, $0.exact) } }
    }

    func knows(_ currency: String) -> Bool { currency == "USD" || rates[currency] != nil }

    static func isMonth(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"), bytes.enumerated().allSatisfy({ $0.offset == 4 || (0x30...0x39).contains($0.element) })
        else { return false }
        let month = Int(text.suffix(2)) ?? 0
        return (1...12).contains(month)
    }

    /// A plain decimal (`123.45`, no sign, no exponent, no grouping), exactly.
    static func decimal(_ text: String) -> Decimal? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            parts.count == 1 || !parts[1].isEmpty, text.count <= 38
        else { return nil }
        return Decimal(plain: text)
    }
}
