import Foundation

/// Reads a sales file's rows by its header: every rule of the contract, in the contract's order, the first broken
/// one being the row's reason. Rows are read in place, as bytes (`CSVBlock.Row`); a `Sale`'s strings are made only
/// for a caller that keeps the sale.
struct SaleRowRules: Sendable {
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
    /// The words the contract names, as they are kept.
    private static let fuels = ["petrol", "diesel", "hybrid", "electric"]
    private static let statuses = ["completed", "cancelled", "refunded"]
    private static let fuelBytes = fuels.map { Array($0.utf8) }
    private static let statusBytes = statuses.map { Array($0.utf8) }

    private let width: Int
    /// Each known column's position in the file (found once per file: rows are read by position, not by name).
    let saleID: Int?
    private let soldAt, country, city, dealerID, sellerID, sellerName, customerName, customerEmail, customerPhone: Int?
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

    /// What the rules say of a row, but for the duplicate rule, which needs the extraction's accepted ids so far (the
    /// judge applies it). The contract's order: malformed and a missing id come before a duplicate, every other rule
    /// after it.
    enum Verdict: Sendable {
        /// Malformed, or no sale_id: the row's reason whatever came before it.
        case refused(RejectedRow.Cause)
        /// Every other rule holds; the id's hash (`SaleIDSet.hash`) for the judge.
        case passed(idHash: UInt64)
        /// Another rule is broken; a duplicate id overrides it.
        case failed(idHash: UInt64, RejectedRow.Cause)
    }

    /// A row that passed, as the figures need it: numbers, no text.
    struct Passed: Sendable {
        let monthIndex: Int
        let country: Countries.Index
        let quantity: Int
        /// quantity × unit_price × the month's rate, exactly.
        let revenue: ExactOrDecimal
        let completed: Bool
        /// Electric or hybrid.
        let electrified: Bool
        /// The status and fuel among the contract's words (nil: a fuel as written).
        fileprivate let statusWord: Int
        fileprivate let fuelWord: Int?
    }

    /// Applies every rule but the duplicate one; `seed` keys the id's hash.
    func check(_ row: CSVBlock.Row, rates: FXMonthTable, seed: UInt64) -> (Verdict, Passed?) {
        guard missingColumns.isEmpty, row.count == width else {
            let detail = missingColumns.isEmpty
                ? "\(row.count) fields where the header has \(width)" : "the header lacks \(missingColumns.joined(separator: ", "))"
            return (.refused(.init(.malformedRow, detail)), nil)
        }
        let id = row[saleID]
        if Self.blank(id) { return (.refused(.init(.missingField, "sale_id is empty")), nil) }
        let hash = SaleIDSet.hash(id, seed: seed)
        switch rest(row, rates: rates) {
        case .success(let passed): return (.passed(idHash: hash), passed)
        case .failure(let cause): return (.failed(idHash: hash, cause), nil)
        }
    }

    private func rest(_ row: CSVBlock.Row, rates: FXMonthTable) -> Result<Passed, RejectedRow.Cause> {
        guard let month = EventTime.utcMonthIndex(bytes: row[soldAt]) else {
            return .failure(.init(.badTimestamp, "sold_at is not an RFC 3339 time"))
        }
        guard let country = Countries.index(bytes: row[country]) else {
            return .failure(.init(.unknownCountry, "country is not an assigned ISO 3166-1 code"))
        }
        for (name, position) in [("dealer_id", dealerID), ("seller_id", sellerID), ("brand", brand), ("model", model)] where Self.blank(row[position]) {
            return .failure(.init(.missingField, "\(name) is empty"))
        }
        guard let quantity = Self.quantity(row[quantity]) else {
            return .failure(.init(.badQuantity, "quantity is not a whole number of at least 1"))
        }
        let priceText = row[unitPrice]
        guard priceText.count <= 38, let price = ExactAmount.parse(priceText), price.units > 0 else {
            return .failure(.init(.badPrice, "unit_price is not a positive plain decimal"))
        }
        guard let rate = rates.rate(currency: row[currency], monthIndex: month) else {
            return .failure(.init(.noFXRate, "no rate for currency \"\(row.string(currency).prefix(8))\" in \(EventTime.monthText(index: month))"))
        }
        guard let status = Self.word(row[status], among: Self.statusBytes) else {
            return .failure(.init(.badStatus, "status is not completed, cancelled or refunded"))
        }
        let fuel = Self.word(row[fuel], among: Self.fuelBytes)
        // Exact in 128-bit integers; beyond them (38 digits), Decimal's arithmetic.
        let revenue: ExactOrDecimal = price.times(rate)?.times(quantity).map { .exact($0) }
            ?? .decimal(Decimal(quantity) * price.decimal * rate.decimal)
        return .success(Passed(
            monthIndex: month, country: country, quantity: quantity, revenue: revenue, completed: status == 0,
            electrified: fuel == 2 || fuel == 3, statusWord: status, fuelWord: fuel))
    }

    /// The sale of a row that passed, its strings made from the row's bytes.
    func sale(_ row: CSVBlock.Row, _ passed: Passed) -> Sale {
        Sale(
            saleID: row.string(saleID), soldAt: row.string(soldAt), month: EventTime.monthText(index: passed.monthIndex),
            country: Countries.byIndex[passed.country]!, city: row.string(city), dealerID: row.string(dealerID), sellerID: row.string(sellerID),
            brand: row.string(brand), model: row.string(model), segment: row.string(segment),
            fuel: passed.fuelWord.map { Self.fuels[$0] } ?? row.string(fuel), quantity: passed.quantity, unitPrice: row.string(unitPrice),
            currency: row.string(currency), status: Self.statuses[passed.statusWord], revenue: passed.revenue,
            person: .init(
                sellerName: row.string(sellerName), customerName: row.string(customerName), customerEmail: row.string(customerEmail),
                customerPhone: row.string(customerPhone)))
    }

    /// Empty, or spaces and tabs only.
    private static func blank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    /// 1 to 9 digits, at least 1.
    private static func quantity(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value >= 1 ? value : nil
    }

    /// Which of `words` the field is, letters compared in any case (ASCII in place; other text lowered as
    /// `lowercasedASCII` lowers it).
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, among words: [[UInt8]]) -> Int? {
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            let lowered = Array(lowercasedASCII(String(decoding: bytes, as: UTF8.self)).utf8)
            return words.firstIndex(of: lowered)
        }
        return words.firstIndex { word in
            word.count == bytes.count && zip(word, bytes).allSatisfy { $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 + 0x20 : $1) }
        }
    }
}

extension SaleRowRules {
    /// The row's sale, or the reason it is rejected, from its fields as strings. `accepted` holds the ids of the
    /// extraction's rows accepted so far (a duplicate is judged against those alone).
    func read(_ fields: [String], rates: FXRates, accepted: Set<String>) -> Result<Sale, RejectedRow.Cause> {
        CSVBlock(records: [fields]).withRows { rows in
            let row = rows.row(0)
            let (verdict, passed) = check(row, rates: FXMonthTable(rates), seed: 0)
            if case .refused(let cause) = verdict { return .failure(cause) }
            let id = row.string(saleID)
            if accepted.contains(id) { return .failure(.duplicate(of: id)) }
            if case .failed(_, let cause) = verdict { return .failure(cause) }
            return .success(sale(row, passed!))
        }
    }

    /// ASCII letters lowered, others kept (the contract's words are ASCII; Foundation's `lowercased` costs more).
    static func lowercasedASCII(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return text }
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.lowercased() }
        return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
