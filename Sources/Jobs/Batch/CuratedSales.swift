import Foundation

/// The curated zone's sales: the accepted rows with people replaced by their vault tokens, the month and the
/// revenue in US dollars beside them, one folder a month (`month=YYYY-MM/sales.csv`).
enum CuratedSales {
    static let columns: [LakeManifest.Column] = [
        .init(name: "sale_id", type: "text"), .init(name: "sold_at", type: "timestamp"), .init(name: "month", type: "text"),
        .init(name: "country", type: "text"), .init(name: "region", type: "text"), .init(name: "city", type: "text"),
        .init(name: "dealer_id", type: "text"), .init(name: "seller_id", type: "text"), .init(name: "seller_token", type: "text"),
        .init(name: "customer_token", type: "text"), .init(name: "brand", type: "text"), .init(name: "model", type: "text"),
        .init(name: "segment", type: "text"), .init(name: "fuel", type: "text"), .init(name: "quantity", type: "integer"),
        .init(name: "unit_price", type: "decimal"), .init(name: "currency", type: "text"), .init(name: "status", type: "text"),
        .init(name: "revenue_usd", type: "decimal"),
    ]

    static var header: String { CSVText.line(columns.map(\.name)) }

    static func appendLine(_ sale: Sale, sellerToken: String, customerToken: String, to bytes: inout [UInt8]) {
        CSVText.appendLine([
            sale.saleID, sale.soldAt, sale.month, sale.country, Countries.africanRegions[sale.country] ?? "", sale.city, sale.dealerID,
            sale.sellerID, sellerToken, customerToken, sale.brand, sale.model, sale.segment, sale.fuel, String(sale.quantity),
            sale.unitPrice, sale.currency, sale.status, sale.revenueText,
        ], to: &bytes)
    }

    /// What the analysis needs of a curated row (by the header's names, so that columns added later do not matter).
    struct Counted {
        private let month, country, status, quantity, revenue, fuel: Int

        init(header: [String]) throws {
            func index(_ name: String) throws -> Int {
                guard let position = header.firstIndex(of: name) else { throw LakeError("the curated sales lack the column \(name)") }
                return position
            }
            (month, country, status, quantity, revenue, fuel) = (
                try index("month"), try index("country"), try index("status"), try index("quantity"), try index("revenue_usd"), try index("fuel")
            )
        }

        func sale(_ fields: [String]) throws -> (month: String, country: String, status: String, quantity: Int, revenue: ExactOrDecimal, fuel: String) {
            guard fields.count > max(month, country, status, quantity, revenue, fuel), let units = Int(fields[quantity]),
                let revenue = ExactAmount.parse(fields[revenue]).map({ ExactOrDecimal.exact($0) }) ?? Decimal(plain: fields[revenue]).map({ .decimal($0) })
            else { throw LakeError("a curated sales row is damaged") }
            return (fields[month], fields[country], fields[status], units, revenue, fields[fuel])
        }
    }
}
