import Connectors
import Foundation

/// One accepted row of a historical sales file (the contract's section 1), its values as the rules read them.
/// A class: a sale passes from the reading thread through batches, results and the writer's queue, and each copy of
/// a struct of twenty strings cost twenty reference counts (a third of the clean step's time); a reference costs one.
final class Sale: Sendable, Equatable {
    let saleID: String
    let soldAt: String
    /// The UTC month of `soldAt`, `YYYY-MM`.
    let month: String
    /// Upper case, assigned.
    let country: String
    let city: String
    let dealerID: String
    let sellerID: String
    let brand: String
    let model: String
    let segment: String
    /// Lower case when one of the four the contract names; as written otherwise (optional, no rule).
    let fuel: String
    let quantity: Int
    /// As written (validated: a plain positive decimal).
    let unitPrice: String
    let currency: String
    /// Lower case: completed, cancelled or refunded.
    let status: String
    /// quantity × unit_price × the month's rate, exactly (its `Decimal` and text made only when asked for).
    let revenue: ExactOrDecimal
    /// As `Decimal` writes it.
    var revenueText: String { revenue.text }
    /// The four personal columns, as written (empty when the file has no such column).
    let person: Person

    struct Person: Sendable, Equatable, Hashable {
        let sellerName: String
        let customerName: String
        let customerEmail: String
        let customerPhone: String
    }

    init(
        saleID: String, soldAt: String, month: String, country: String, city: String, dealerID: String, sellerID: String, brand: String,
        model: String, segment: String, fuel: String, quantity: Int, unitPrice: String, currency: String, status: String,
        revenue: ExactOrDecimal, person: Person
    ) {
        (self.saleID, self.soldAt, self.month, self.country, self.city, self.dealerID) = (saleID, soldAt, month, country, city, dealerID)
        (self.sellerID, self.brand, self.model, self.segment, self.fuel, self.quantity) = (sellerID, brand, model, segment, fuel, quantity)
        (self.unitPrice, self.currency, self.status, self.revenue, self.person) = (unitPrice, currency, status, revenue, person)
    }

    static func == (a: Sale, b: Sale) -> Bool {
        a === b
            || (a.saleID, a.soldAt, a.month, a.country, a.city, a.dealerID) == (b.saleID, b.soldAt, b.month, b.country, b.city, b.dealerID)
            && (a.sellerID, a.brand, a.model, a.segment, a.fuel, a.quantity) == (b.sellerID, b.brand, b.model, b.segment, b.fuel, b.quantity)
            && (a.unitPrice, a.currency, a.status) == (b.unitPrice, b.currency, b.status) && a.revenue == b.revenue && a.person == b.person
    }
}

/// Reads a sales file's rows by its header: every rule of the contract, in the contract's order, the first broken
/// one being the row's reason.
struct SaleRowRules {
    /// Why a row is rejected: the contract's reason codes.
    enum Reason: String, Sendable, CaseIterable {
        case malformedRow = "malformed_row"
        case duplicateSaleID = "duplicate_sale_id"
        case missingField = "missing_field"
        case badTimestamp = "bad_timestamp"
        case unknownCountry = "unknown_country"
        case badQuantity = "bad_quantity"
        case badPrice = "bad_price"
        case noFXRate = "no_fx_rate"
        case badStatus = "bad_status"
    }

    /// Columns a file's header must have (the others are optional or personal).
    static let required = ["sale_id", "sold_at", "country", "dealer_id", "seller_id", "brand", "model", "quantity", "unit_price", "currency", "status"]
    static let optional = ["city", "segment", "fuel", "seller_name", "customer_name", "customer_email", "customer_phone"]
    private static let fuels: Set<String> = ["petrol", "diesel", "hybrid", "electric"]
    private static let statuses: Set<String> = ["completed", "cancelled", "refunded"]

    private let width: Int
    /// Each known column's position in the file (found once per file: rows are read by position, not by name).
    private let saleID, soldAt, country, city, dealerID, sellerID, sellerName, customerName, customerEmail, customerPhone: Int?
    private let brand, model, segment, fuel, quantity, unitPrice, currency, status: Int?
    /// Required columns the header lacks: every row of the file is then `malformed_row`.
    let missingColumns: [String]

    init(header: [String]) {
        width = header.count
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            if index[key] == nil { index[key] = position }
        }
        missingColumns = Self.required.filter { index[$0] == nil }
        (saleID, soldAt, country, city, dealerID, sellerID, sellerName) = (
            index["sale_id"], index["sold_at"], index["country"], index["city"], index["dealer_id"], index["seller_id"], index["seller_name"]
        )
        (customerName, customerEmail, customerPhone, brand, model, segment) = (
            index["customer_name"], index["customer_email"], index["customer_phone"], index["brand"], index["model"], index["segment"]
        )
        (fuel, quantity, unitPrice, currency, status) = (index["fuel"], index["quantity"], index["unit_price"], index["currency"], index["status"])
    }

    /// The row's sale, or the reason it is rejected. `accepted` holds the ids of the extraction's rows accepted so
    /// far (a duplicate is judged against those alone).
    func read(_ fields: [String], rates: FXRates, accepted: Set<String>) -> Result<Sale, RejectedRow.Cause> {
        switch check(fields, rates: rates) {
        case .refused(let cause): .failure(cause)
        case .judged(let saleID, let result):
            accepted.contains(saleID) ? .failure(.init(.duplicateSaleID, "sale_id \(saleID) was already accepted")) : result
        }
    }

    /// Every rule but the duplicate one, which needs the extraction's accepted ids so far (`read` applies it; a
    /// reader on another thread leaves it to whoever holds them). The contract's order: malformed and a missing id
    /// come before a duplicate, every other rule after it.
    enum Checked: Sendable {
        /// Malformed, or no sale_id: the row's reason whatever came before it.
        case refused(RejectedRow.Cause)
        /// The row's id and what the other rules say; a duplicate id overrides it.
        case judged(saleID: String, Result<Sale, RejectedRow.Cause>)
    }

    func check(_ fields: [String], rates: FXRates) -> Checked {
        guard missingColumns.isEmpty, fields.count == width else {
            let detail = missingColumns.isEmpty
                ? "\(fields.count) fields where the header has \(width)" : "the header lacks \(missingColumns.joined(separator: ", "))"
            return .refused(.init(.malformedRow, detail))
        }
        func value(_ position: Int?) -> String { position.map { fields[$0] } ?? "" }
        func blank(_ text: String) -> Bool { text.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

        let saleID = value(self.saleID)
        if blank(saleID) { return .refused(.init(.missingField, "sale_id is empty")) }
        return .judged(saleID: saleID, rest(fields, saleID: saleID, rates: rates))
    }

    private func rest(_ fields: [String], saleID: String, rates: FXRates) -> Result<Sale, RejectedRow.Cause> {
        func value(_ position: Int?) -> String { position.map { fields[$0] } ?? "" }
        func blank(_ text: String) -> Bool { text.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        let soldAt = value(self.soldAt)
        guard let (month, _) = EventTime.utc(soldAt) else { return .failure(.init(.badTimestamp, "sold_at is not an RFC 3339 time")) }
        guard let country = Countries.code(value(self.country)) else { return .failure(.init(.unknownCountry, "country is not an assigned ISO 3166-1 code")) }
        for (name, position) in [("dealer_id", dealerID), ("seller_id", sellerID), ("brand", brand), ("model", model)] where blank(value(position)) {
            return .failure(.init(.missingField, "\(name) is empty"))
        }
        let quantityText = value(self.quantity)
        guard !quantityText.isEmpty, quantityText.utf8.count <= 9, quantityText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let quantity = Int(quantityText), quantity >= 1
        else { return .failure(.init(.badQuantity, "quantity is not a whole number of at least 1")) }
        let priceText = value(unitPrice)
        guard priceText.utf8.count <= 38, let price = ExactAmount.parse(priceText), price.units > 0 else {
            return .failure(.init(.badPrice, "unit_price is not a positive plain decimal"))
        }
        let currency = value(self.currency)
        guard let rate = rates.exactRate(currency, inMonth: month) else {
            return .failure(.init(.noFXRate, "no rate for currency \"\(currency.prefix(8))\" in \(month)"))
        }
        let status = Self.lowercasedASCII(value(self.status))
        guard Self.statuses.contains(status) else { return .failure(.init(.badStatus, "status is not completed, cancelled or refunded")) }
        let fuel = value(self.fuel)
        let lowerFuel = Self.lowercasedASCII(fuel)
        // Exact in 128-bit integers; beyond them (38 digits), Decimal's arithmetic as before.
        let revenue: ExactOrDecimal = price.times(rate.exact)?.times(quantity).map { .exact($0) }
            ?? .decimal(Decimal(quantity) * price.decimal * rate.decimal)
        return .success(Sale(
            saleID: saleID, soldAt: soldAt, month: month, country: country, city: value(city), dealerID: value(dealerID),
            sellerID: value(sellerID), brand: value(brand), model: value(model), segment: value(segment),
            fuel: Self.fuels.contains(lowerFuel) ? lowerFuel : fuel, quantity: quantity, unitPrice: priceText,
            currency: currency, status: status, revenue: revenue,
            person: .init(
                sellerName: value(sellerName), customerName: value(customerName), customerEmail: value(customerEmail),
                customerPhone: value(customerPhone))))
    }
}

extension SaleRowRules {
    /// ASCII letters lowered, others kept (the contract's words are ASCII; Foundation's `lowercased` costs more).
    static func lowercasedASCII(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return text }
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.lowercased() }
        return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

/// A row that broke a rule: kept whole, with its reason, file and line.
struct RejectedRow: Sendable, Equatable {
    struct Cause: Error, Sendable, Equatable {
        let reason: SaleRowRules.Reason
        /// What was wrong, without the value (a field may hold personal data).
        let detail: String
        init(_ reason: SaleRowRules.Reason, _ detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }

    let cause: Cause
    let file: String
    let line: Int
    let fields: [String]
    /// The file's header, naming the fields.
    let header: [String]

    /// The personal columns (masked wherever a rejected row is shown).
    static let personal: Set<String> = ["seller_name", "customer_name", "customer_email", "customer_phone"]

    /// The row by column name (fields past the header as `field_N`), as JSON text with its keys sorted: kept whole,
    /// names beside values. Written by hand: Foundation's sorted-keys writer cost more than reading the row.
    var json: String {
        var object: [String: String] = [:]
        for (index, value) in fields.enumerated() {
            let name = index < header.count ? Self.columnName(header[index]) : "field_\(index + 1)"
            object[object[name] == nil ? name : "field_\(index + 1)"] = value
        }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += JSONText.quoted(key)
            bytes.append(UInt8(ascii: ":"))
            bytes += JSONText.quoted(object[key]!)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A header's name as the rules match it: trimmed, lower case.
    static func columnName(_ text: String) -> String {
        let utf8 = text.utf8
        if utf8.first != 0x20, utf8.first != 0x09, utf8.last != 0x20, utf8.last != 0x09, utf8.allSatisfy({ $0 < 0x80 }) {
            return SaleRowRules.lowercasedASCII(text)
        }
        return text.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
