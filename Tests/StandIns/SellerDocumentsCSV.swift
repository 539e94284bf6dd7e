import Foundation

/// The contract's seller CSV (`expected/seller_kpis.csv`) written back from the seller documents Elasticsearch
/// holds, so that the tests compare what reached it with the generator's figures byte for byte.
public func contractCSV(fromSellerDocuments documents: [String: [String: Any]]) -> String {
    func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }
    var lines = ["seller_id,seller_name,deals_won,deals_lost,deals_open,revenue_usd,conversion"]
    for id in documents.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
        let document = documents[id]!
        let conversion = document["conversion"].flatMap { $0 is NSNull ? nil : String(format: "%.10f", number($0)) } ?? ""
        lines.append([
            quoted(document["seller_id"] as? String ?? "?"), quoted(document["seller_name"] as? String ?? "?"),
            "\(Int(number(document["deals_won"])))", "\(Int(number(document["deals_lost"])))", "\(Int(number(document["deals_open"])))",
            String(format: "%.2f", number(document["revenue_usd"])), conversion,
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}
