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

        /// A row whose id an earlier accepted row had.
        static func duplicate(of saleID: String) -> Cause { Cause(.duplicateSaleID, "sale_id \(saleID) was already accepted") }
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
