import Foundation

/// One accepted row of a historical sales file (the contract's section 1), its values as the rules read them.
struct Sale: Sendable, Equatable {
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
    let unitPrice: Decimal
    let currency: String
    /// Lower case: completed, cancelled or refunded.
    let status: String
    /// quantity × unit_price × the month's rate, exactly.
    let revenueUSD: Decimal
    /// The four personal columns, as written (empty when the file has no such column).
    let person: Person

    struct Person: Sendable, Equatable, Hashable {
        let sellerName: String
        let customerName: String
        let customerEmail: String
        let customerPhone: String
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
    private let index: [String: Int]
    /// Required columns the header lacks: every row of the file is then `malformed_row`.
    let missingColumns: [String]

    init(header: [String]) {
        width = header.count
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            if index[key] == nil { index[key] = position }
        }
        self.index = index
        missingColumns = Self.required.filter { index[$0] == nil }
    }

    /// The row's sale, or the reason it is rejected. `accepted` holds the ids of the extraction's rows accepted so
    /// far (a duplicate is judged against those alone).
    func read(_ fields: [String], rates: FXRates, accepted: Set<String>) -> Result<Sale, RejectedRow.Cause> {
        guard missingColumns.isEmpty, fields.count == width else {
            let detail = missingColumns.isEmpty
                ? "\(fields.count) fields where the header has \(width)" : "the header lacks \(missingColumns.joined(separator: ", "))"
            return .failure(.init(.malformedRow, detail))
        }
        func value(_ name: String) -> String { index[name].map { fields[$0] } ?? "" }
        func blank(_ text: String) -> Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }

        let saleID = value("sale_id")
        if blank(saleID) { return .failure(.init(.missingField, "sale_id is empty")) }
        if accepted.contains(saleID) { return .failure(.init(.duplicateSaleID, "sale_id \(saleID) was already accepted")) }
        let soldAt = value("sold_at")
        guard let (month, _) = EventTime.utc(soldAt) else { return .failure(.init(.badTimestamp, "sold_at is not an RFC 3339 time")) }
        guard let country = Countries.code(value("country")) else { return .failure(.init(.unknownCountry, "country is not an assigned ISO 3166-1 code")) }
        for name in ["dealer_id", "seller_id", "brand", "model"] where blank(value(name)) {
            return .failure(.init(.missingField, "\(name) is empty"))
        }
        let quantityText = value("quantity")
        guard !quantityText.isEmpty, quantityText.utf8.count <= 9, quantityText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let quantity = Int(quantityText), quantity >= 1
        else { return .failure(.init(.badQuantity, "quantity is not a whole number of at least 1")) }
        guard let unitPrice = FXRates.decimal(value("unit_price")), unitPrice > 0 else {
            return .failure(.init(.badPrice, "unit_price is not a positive plain decimal"))
        }
        let currency = value("currency")
        guard let rate = rates.rate(currency, inMonth: month) else {
            return .failure(.init(.noFXRate, "no rate for currency \"\(currency.prefix(8))\" in \(month)"))
        }
        let status = value("status").lowercased()
        guard Self.statuses.contains(status) else { return .failure(.init(.badStatus, "status is not completed, cancelled or refunded")) }
        let fuel = value("fuel")
        return .success(Sale(
            saleID: saleID, soldAt: soldAt, month: month, country: country, city: value("city"), dealerID: value("dealer_id"),
            sellerID: value("seller_id"), brand: value("brand"), model: value("model"), segment: value("segment"),
            fuel: Self.fuels.contains(fuel.lowercased()) ? fuel.lowercased() : fuel, quantity: quantity, unitPrice: unitPrice,
            currency: currency, status: status, revenueUSD: Decimal(quantity) * unitPrice * rate,
            person: .init(
                sellerName: value("seller_name"), customerName: value("customer_name"), customerEmail: value("customer_email"),
                customerPhone: value("customer_phone"))))
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

    /// The row by column name (fields past the header as `field_N`), as JSON text: kept whole, names beside values.
    var json: String {
        var object: [String: String] = [:]
        for (index, value) in fields.enumerated() {
            let name = index < header.count ? header[index].trimmingCharacters(in: .whitespaces).lowercased() : "field_\(index + 1)"
            object[object[name] == nil ? name : "field_\(index + 1)"] = value
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
