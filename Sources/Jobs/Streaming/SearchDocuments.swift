import Connectors
import Foundation

/// What the figures look like in Elasticsearch (for Kibana): one document per seller in `sales-seller-figures`
/// (`_id` = the seller's id, the contract CSV's fields and `updated_at`) and one per counted event in
/// `sales-events-YYYY.MM` by its UTC month (`_id` = `event_id`), with the index templates that map them. The mappings
/// are strict, so that a document that does not fit is refused (and dead-lettered) rather than guessed at.
enum SearchDocuments {
    static let sellerIndex = "sales-seller-figures"
    static let eventIndexPrefix = "sales-events-"

    /// The index of an event of UTC month `YYYY-MM`: `sales-events-YYYY.MM`.
    static func eventIndex(month: String) -> String { eventIndexPrefix + month.replacingOccurrences(of: "-", with: ".") }

    /// An event's document, from the event and its `details` (parsed with them).
    static func event(_ event: SaleEvent, _ details: SaleEvent.Details) -> BulkDocument {
        var fields: [(String, [UInt8])] = [
            ("event_id", JSONText.quoted(event.eventID.description)), ("type", JSONText.quoted(event.kind.rawValue)),
            ("occurred_at", JSONText.quoted(details.occurredAt)), ("deal_id", JSONText.quoted(event.dealID)),
            ("seller_id", JSONText.quoted(event.sellerID)), ("seller_name", JSONText.quoted(event.sellerName)),
            ("dealer_id", JSONText.quoted(details.dealerID)), ("country", JSONText.quoted(details.country)),
        ]
        if let amount = details.amount, let currency = details.currency, let usd = event.revenueUSD {
            fields += [("amount", Array(amount.utf8)), ("currency", JSONText.quoted(currency)), ("amount_usd", Array(SellerFigures.cents(usd).utf8))]
        }
        return BulkDocument(index: eventIndex(month: details.month), id: event.eventID.description, source: object(fields))
    }

    static func seller(id: String, _ seller: SellerState, updatedAt: Date) -> BulkDocument {
        BulkDocument(
            index: sellerIndex, id: id,
            source: object([
                ("seller_id", JSONText.quoted(id)), ("seller_name", JSONText.quoted(seller.name)), ("deals_won", Array("\(seller.won)".utf8)),
                ("deals_lost", Array("\(seller.lost)".utf8)), ("deals_open", Array("\(seller.open)".utf8)),
                ("revenue_usd", Array(SellerFigures.cents(seller.revenueUSD).utf8)),
                ("conversion", Array((seller.conversionText ?? "null").utf8)),
                ("updated_at", JSONText.quoted(updatedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))),
            ]))
    }

    private static func object(_ fields: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += JSONText.quoted(name)
            out.append(UInt8(ascii: ":"))
            out += value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The index templates, by name, created (or replaced) when a writer starts.
    static let templates: [(name: String, body: [UInt8])] = [
        ("sales-seller-figures", template(pattern: sellerIndex, properties: [
            "seller_id": #"{"type":"keyword"}"#, "seller_name": #"{"type":"keyword"}"#, "deals_won": #"{"type":"integer"}"#,
            "deals_lost": #"{"type":"integer"}"#, "deals_open": #"{"type":"integer"}"#,
            "revenue_usd": #"{"type":"scaled_float","scaling_factor":100}"#, "conversion": #"{"type":"double"}"#, "updated_at": #"{"type":"date"}"#,
        ])),
        ("sales-events", template(pattern: eventIndexPrefix + "*", properties: [
            "event_id": #"{"type":"keyword"}"#, "type": #"{"type":"keyword"}"#, "occurred_at": #"{"type":"date"}"#, "deal_id": #"{"type":"keyword"}"#,
            "seller_id": #"{"type":"keyword"}"#, "seller_name": #"{"type":"keyword"}"#, "dealer_id": #"{"type":"keyword"}"#,
            "country": #"{"type":"keyword"}"#, "amount": #"{"type":"scaled_float","scaling_factor":100}"#, "currency": #"{"type":"keyword"}"#,
            "amount_usd": #"{"type":"scaled_float","scaling_factor":100}"#,
        ])),
    ]

    private static func template(pattern: String, properties: [String: String]) -> [UInt8] {
        let mapped = properties.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        return Array("""
            {"index_patterns":["\(pattern)"],"priority":200,"_meta":{"managed_by":"autooptimize"},\
            "template":{"settings":{"number_of_shards":1},"mappings":{"dynamic":"strict","properties":{\(mapped)}}}}
            """.utf8)
    }
}
