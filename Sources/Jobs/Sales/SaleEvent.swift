import Foundation

/// One sales event of the stream (the contract's section 5), checked: a message either becomes one of these or a
/// `SaleEvent.Rejection` that says why, for the dead-letter topic.
struct SaleEvent: Sendable, Equatable {
    enum Kind: String, Sendable {
        case dealOpened = "deal_opened"
        case dealWon = "deal_won"
        case dealLost = "deal_lost"
    }

    let eventID: String
    let kind: Kind
    let occurredAt: String
    /// The UTC month of `occurredAt`, `YYYY-MM`: the month whose FX rate converts its amount.
    let month: String
    let dealID: String
    let sellerID: String
    let sellerName: String
    let dealerID: String
    let country: String
    /// In US dollars, exactly (amount × the month's rate); only on `deal_won`.
    let revenueUSD: Decimal?

    /// Why a message is not an event; `code` goes in the dead-letter message's `reason` header.
    struct Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        let code: String
        let detail: String
        var description: String { "\(code): \(detail)" }
    }

    /// Larger messages are refused before they are parsed.
    static let maximumBytes = 64 * 1024

    static let requiredText = ["event_id", "type", "occurred_at", "deal_id", "seller_id", "seller_name", "dealer_id", "country"]

    /// Reads a message's value against the contract and converts a won deal's amount with `rates`.
    static func parse(_ value: [UInt8], rates: FXRates) throws(Rejection) -> SaleEvent {
        guard value.count <= maximumBytes else {
            throw Rejection(code: "too_large", detail: "\(value.count) bytes; at most \(maximumBytes)")
        }
        let fields: [String: FlatJSON.Value]
        do {
            fields = try FlatJSON.object(value)
        } catch {
            throw Rejection(code: error.message.contains("UTF-8") ? "invalid_utf8" : "invalid_json", detail: error.description)
        }
        var text: [String: String] = [:]
        for name in requiredText {
            switch fields[name] {
            case .string(let value) where !value.trimmingCharacters(in: .whitespaces).isEmpty: text[name] = value
            case nil, .null, .string: throw Rejection(code: "missing_field", detail: "\"\(name)\" is missing or empty")
            default: throw Rejection(code: "bad_field", detail: "\"\(name)\" must be a string")
            }
        }
        guard let kind = Kind(rawValue: text["type"]!) else {
            throw Rejection(code: "unknown_type", detail: "type \"\(text["type"]!)\" is not deal_opened, deal_won or deal_lost")
        }
        guard let month = EventTime.utcMonth(text["occurred_at"]!) else {
            throw Rejection(code: "bad_timestamp", detail: "occurred_at \"\(text["occurred_at"]!)\" is not an RFC 3339 time")
        }
        var revenue: Decimal?
        if kind == .dealWon { revenue = try revenueUSD(fields, month: month, rates: rates) }
        return SaleEvent(
            eventID: text["event_id"]!, kind: kind, occurredAt: text["occurred_at"]!, month: month, dealID: text["deal_id"]!,
            sellerID: text["seller_id"]!, sellerName: text["seller_name"]!, dealerID: text["dealer_id"]!, country: text["country"]!,
            revenueUSD: revenue)
    }

    private static func revenueUSD(_ fields: [String: FlatJSON.Value], month: String, rates: FXRates) throws(Rejection) -> Decimal {
        let amount: Decimal
        switch fields["amount"] {
        case .number(let literal):
            guard let value = Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")), literal.count <= 40 else {
                throw Rejection(code: "bad_amount", detail: "amount \(literal) is not a decimal we can hold exactly")
            }
            guard value > 0 else { throw Rejection(code: "bad_amount", detail: "amount \(literal) must be positive") }
            amount = value
        case nil, .null: throw Rejection(code: "missing_field", detail: "\"amount\" is required on deal_won")
        default: throw Rejection(code: "bad_amount", detail: "amount must be a JSON number")
        }
        guard case .string(let currency) = fields["currency"] else {
            throw Rejection(code: "missing_field", detail: "\"currency\" is required on deal_won")
        }
        guard rates.knows(currency) else { throw Rejection(code: "unknown_currency", detail: "currency \"\(currency)\" has no FX rates") }
        guard let rate = rates.rate(currency, month: month) else {
            throw Rejection(code: "no_fx_rate", detail: "no \(currency) rate for \(month) or an earlier month")
        }
        return amount * rate
    }
}

/// The UTC month of an RFC 3339 time, by the contract's rules (a real date, hours 00–23, no leap second).
enum EventTime {
    static func utcMonth(_ text: String) -> String? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for byte in b[from..<(from + count)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2), let minute = number(14, 2),
            let second = number(17, 2), (1...12).contains(month), hour <= 23, minute <= 59, second <= 59,
            day >= 1, day <= daysIn(month, year)
        else { return nil }
        var index = 19
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, (0x30...0x39).contains(b[index]) { index += 1 }
            guard index > start else { return nil }
        }
        var offsetMinutes = 0
        guard index < b.count else { return nil }
        if b[index] == UInt8(ascii: "Z") || b[index] == UInt8(ascii: "z") {
            index += 1
        } else if b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-") {
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"), let hours = number(index + 1, 2), let minutes = number(index + 4, 2),
                hours <= 23, minutes <= 59
            else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        // Local minutes since the month began, less the offset, may fall in the month before or after.
        let local = ((day - 1) * 24 + hour) * 60 + minute - offsetMinutes
        var (utcYear, utcMonth) = (year, month)
        if local < 0 {
            (utcYear, utcMonth) = month == 1 ? (year - 1, 12) : (year, month - 1)
        } else if local >= daysIn(month, year) * 24 * 60 {
            (utcYear, utcMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return String(format: "%04d-%02d", utcYear, utcMonth)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
