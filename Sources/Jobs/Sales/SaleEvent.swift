import Foundation

/// One sales event of the stream (the contract's section 5), checked: a message either becomes one of these or a
/// `SaleEvent.Rejection` that says why, for the dead-letter topic. A class: an event passes from the parsing threads
/// through batches to the committing thread, and a copy then costs one reference count, not one per field.
///
/// Every member the contract names is checked, but only what the figures read is kept as text unless `details`
/// are asked for (an Elasticsearch document shows them): a string made per member was a fifth of the parse.
final class SaleEvent: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case dealOpened = "deal_opened"
        case dealWon = "deal_won"
        case dealLost = "deal_lost"

        /// The kind whose name `bytes` spell.
        init?(bytes: UnsafeBufferPointer<UInt8>) {
            guard let kind = Self.names.first(where: { $0.bytes.elementsEqual(bytes) })?.kind else { return nil }
            self = kind
        }

        private static let names = allCases.map { (kind: $0, bytes: Array($0.rawValue.utf8)) }
    }

    let eventID: EventID
    let kind: Kind
    /// `occurred_at` in seconds since 1970 (UTC), for the figures by hour.
    let epochSeconds: Int64
    let dealID: String
    let sellerID: String
    let sellerName: String
    /// In US dollars, exactly (amount × the month's rate, in 128 bits when it fits); only on `deal_won`.
    let revenue: ExactOrDecimal?
    /// What the figures do not read; nil unless the parse was asked for it.
    let details: Details?

    /// The members the figures do not read, as the message wrote them.
    struct Details: Sendable, Equatable {
        let occurredAt: String
        /// The UTC month of `occurredAt`, `YYYY-MM`: the month whose FX rate converts the amount.
        let month: String
        let dealerID: String
        let country: String
        /// The amount (a JSON number literal) and its currency; only on `deal_won`.
        var amount: String? = nil
        var currency: String? = nil
    }

    init(
        eventID: EventID, kind: Kind, epochSeconds: Int64, dealID: String, sellerID: String, sellerName: String, revenue: ExactOrDecimal?,
        details: Details?
    ) {
        self.eventID = eventID
        self.kind = kind
        self.epochSeconds = epochSeconds
        self.dealID = dealID
        self.sellerID = sellerID
        self.sellerName = sellerName
        self.revenue = revenue
        self.details = details
    }

    /// `revenue` as a `Decimal`.
    var revenueUSD: Decimal? { revenue?.decimal }

    static func == (a: SaleEvent, b: SaleEvent) -> Bool {
        a.eventID == b.eventID && a.kind == b.kind && a.epochSeconds == b.epochSeconds && a.dealID == b.dealID && a.sellerID == b.sellerID
            && a.sellerName == b.sellerName && a.revenueUSD == b.revenueUSD && a.details == b.details
    }

    /// Why a message is not an event; `code` goes in the dead-letter message's `reason` header.
    struct Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        let code: String
        let detail: String
        var description: String { "\(code): \(detail)" }
    }

    /// Larger messages are refused before they are parsed.
    static let maximumBytes = 64 * 1024

    static let requiredText = ["event_id", "type", "occurred_at", "deal_id", "seller_id", "seller_name", "dealer_id", "country"]
    /// The members the contract reads, by position: the required text, then `amount` and `currency`.
    private static let names = FlatJSON.Names(requiredText + ["amount", "currency"])

    /// Reads a message's value against the contract and converts a won deal's amount with `rates`.
    static func parse(_ value: [UInt8], rates: FXRates, details: Bool = true) throws(Rejection) -> SaleEvent {
        try value.withUnsafeBufferPointer { bytes throws(Rejection) in try parse(bytes, rates: rates, details: details) }
    }

    /// The same, from bytes in place (a consumed batch's buffer).
    static func parse(_ value: UnsafeBufferPointer<UInt8>, rates: FXRates, details: Bool = true) throws(Rejection) -> SaleEvent {
        var fields = fieldsToReuse()
        return try parse(value, rates: rates, details: details, reusing: &fields)
    }

    /// Where `parse(_:rates:details:reusing:)` finds a message's members: made once per run of messages.
    static func fieldsToReuse() -> [FlatJSON.Slot?] { [FlatJSON.Slot?](repeating: nil, count: names.names.count) }

    /// The same, finding the members with `fields` (from `fieldsToReuse()`), kept from one message to the next.
    /// - Parameter details: whether to keep what the figures do not read (`details`).
    static func parse(
        _ value: UnsafeBufferPointer<UInt8>, rates: FXRates, details keepDetails: Bool, reusing fields: inout [FlatJSON.Slot?]
    ) throws(Rejection) -> SaleEvent {
        guard value.count <= maximumBytes else {
            throw Rejection(code: "too_large", detail: "\(value.count) bytes; at most \(maximumBytes)")
        }
        do {
            try FlatJSON.slots(value, of: names, into: &fields)
        } catch {
            throw Rejection(code: error.message.contains("UTF-8") ? "invalid_utf8" : "invalid_json", detail: error.description)
        }
        // By index: the names are read only to say what is wrong (a loop over them retained and released each one).
        for index in 0..<requiredText.count {
            guard let slot = fields[index], slot.kind == .string else {
                if let slot = fields[index], slot.kind != .null {
                    throw Rejection(code: "bad_field", detail: "\"\(requiredText[index])\" must be a string")
                }
                throw Rejection(code: "missing_field", detail: "\"\(requiredText[index])\" is missing or empty")
            }
            guard !FlatJSON.withText(of: slot, in: value, { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 } }) else {
                throw Rejection(code: "missing_field", detail: "\"\(requiredText[index])\" is missing or empty")
            }
        }
        let slots = fields  // the required ones are all strings (checked above)
        func text(_ index: Int) -> String { FlatJSON.text(of: slots[index]!, in: value) }
        guard let kind = FlatJSON.withText(of: slots[1]!, in: value, Kind.init(bytes:)) else {
            throw Rejection(code: "unknown_type", detail: "type \"\(text(1))\" is not deal_opened, deal_won or deal_lost")
        }
        guard let time = FlatJSON.withText(of: slots[2]!, in: value, EventTime.utcParts(bytes:)) else {
            throw Rejection(code: "bad_timestamp", detail: "occurred_at \"\(text(2))\" is not an RFC 3339 time")
        }
        let monthIndex = EventTime.monthIndex(time.year, time.month)
        var won: (amount: String, currency: String, usd: ExactOrDecimal)?
        if kind == .dealWon { won = try revenueUSD(amount: slots[8], currency: slots[9], in: value, monthIndex: monthIndex, rates: rates) }
        var details: Details?
        if keepDetails {
            details = Details(
                occurredAt: text(2), month: EventTime.monthText(time.year, time.month), dealerID: text(6), country: text(7),
                amount: won?.amount, currency: won?.currency)
        }
        return SaleEvent(
            eventID: FlatJSON.withText(of: slots[0]!, in: value, EventID.init(bytes:)), kind: kind, epochSeconds: time.epochSeconds,
            dealID: text(3), sellerID: text(4), sellerName: text(5), revenue: won?.usd, details: details)
    }

    private static func revenueUSD(
        amount given: FlatJSON.Slot?, currency givenCurrency: FlatJSON.Slot?, in value: UnsafeBufferPointer<UInt8>, monthIndex: Int,
        rates: FXRates
    ) throws(Rejection) -> (amount: String, currency: String, usd: ExactOrDecimal) {
        // Plain amounts (the usual `215000.10`) exactly in 128 bits; others (an exponent, a sign) through `Decimal`.
        let amount: ExactOrDecimal
        let written: String
        switch given?.kind {
        case .number:
            let literal = FlatJSON.text(of: given!, in: value)
            guard literal.utf8.count <= 40 else {
                throw Rejection(code: "bad_amount", detail: "amount \(literal) is not a decimal we can hold exactly")
            }
            if let exact = ExactAmount.parse(literal) {
                guard exact.units > 0 else { throw Rejection(code: "bad_amount", detail: "amount \(literal) must be positive") }
                amount = .exact(exact)
            } else {
                guard let value = ExactDecimal.parse(literal) else {
                    throw Rejection(code: "bad_amount", detail: "amount \(literal) is not a decimal we can hold exactly")
                }
                guard value > 0 else { throw Rejection(code: "bad_amount", detail: "amount \(literal) must be positive") }
                amount = .decimal(value)
            }
            written = literal
        case nil, .null: throw Rejection(code: "missing_field", detail: "\"amount\" is required on deal_won")
        default: throw Rejection(code: "bad_amount", detail: "amount must be a JSON number")
        }
        guard let givenCurrency, givenCurrency.kind == .string else {
            throw Rejection(code: "missing_field", detail: "\"currency\" is required on deal_won")
        }
        let currency = FlatJSON.text(of: givenCurrency, in: value)
        guard rates.knows(currency) else { throw Rejection(code: "unknown_currency", detail: "currency \"\(currency)\" has no FX rates") }
        guard let rate = rates.exactRate(currency, notAfterMonth: monthIndex) else {
            throw Rejection(code: "no_fx_rate", detail: "no \(currency) rate for \(EventTime.monthText(index: monthIndex)) or an earlier month")
        }
        if case .exact(let exact) = amount, let usd = exact.times(rate.exact) { return (written, currency, .exact(usd)) }
        return (written, currency, .decimal(amount.decimal * rate.decimal))
    }
}

/// RFC 3339 times by the contract's rules (a real date, hours 00–23, no leap second), read without Foundation.
enum EventTime {
    /// The UTC month as one number (`monthIndex`), or nil when `bytes` is not a valid time (the batch's rows).
    static func utcMonthIndex(bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        utcParts(bytes: bytes).map { monthIndex($0.year, $0.month) }
    }

    /// A month as one number, `year × 12 + month − 1`: months in order, no text made.
    static func monthIndex(_ year: Int, _ month: Int) -> Int { year * 12 + month - 1 }

    /// `YYYY-MM` of a month index.
    static func monthText(index: Int) -> String {
        let year = index >= 0 ? index / 12 : (index - 11) / 12
        return monthText(year, index - year * 12 + 1)
    }

    /// The UTC year and month and the instant (seconds since 1970) of an RFC 3339 time.
    static func utcParts(bytes b: UnsafeBufferPointer<UInt8>) -> (year: Int, month: Int, epochSeconds: Int64)? {
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
        let seconds = Int64(daysFromCivil(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        let (utcYear, utcMonth, _) = civil(fromDays: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
        return (utcYear, utcMonth, seconds)
    }

    /// `YYYY-MM` (years 0 to 9999), without `String(format:)`, which cost a tenth of the parse.
    static func monthText(_ year: Int, _ month: Int) -> String {
        // An offset can move 0000-01-01 into year -1 (or 9999-12-31 into 10000).
        guard (0...9999).contains(year) else { return String(format: "%04d-%02d", year, month) }
        let digits: [UInt8] = [
            UInt8(0x30 + year / 1000 % 10), UInt8(0x30 + year / 100 % 10), UInt8(0x30 + year / 10 % 10), UInt8(0x30 + year % 10), UInt8(ascii: "-"),
            UInt8(0x30 + month / 10), UInt8(0x30 + month % 10),
        ]
        return String(decoding: digits, as: UTF8.self)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// JSON number literals as exact `Decimal`s: the usual ones (up to 19 significant digits) read directly, the rest
/// through Foundation's parser (which reads characters through NSString: a tenth of the worker's time, once).
enum ExactDecimal {
    static func parse(_ literal: String) -> Decimal? {
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0
        var negative = false
        var seenPoint = false
        var bytes = literal.utf8.makeIterator()
        var next = bytes.next()
        if next == UInt8(ascii: "-") {
            negative = true
            next = bytes.next()
        }
        while let byte = next {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if (0x30...0x39).contains(byte) {
                if significand == 0 && byte == 0x30 {
                    if seenPoint { exponent -= 1 }
                } else {
                    guard digits < 19 else { return Decimal(plain: literal) }
                    significand = significand * 10 + UInt64(byte - 0x30)
                    digits += 1
                    if seenPoint { exponent -= 1 }
                }
            } else {
                return Decimal(plain: literal)  // an exponent
            }
            next = bytes.next()
        }
        return Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: Decimal(significand))
    }
}
