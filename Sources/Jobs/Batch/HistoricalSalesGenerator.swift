public import Foundation

/// Historical sales of the contract's shape (section 1), reproducible from a seed: the demo's and the batch
/// benchmark's input. Markets grow at their own pace; about `badFraction` of the rows break one rule each; the
/// files vary as the contract allows (a BOM, CRLF, reversed column order, an extra column, one file gzip-compressed
/// by the caller if it wants). Written a buffer at a time: millions of rows in little memory.
public struct HistoricalSalesGenerator: Sendable {
    public var rows: Int
    public var files: Int
    public var seed: UInt64
    public var firstMonth = (year: 2023, month: 1)
    public var months = 36
    public var badFraction = 0.01

    public init(rows: Int, files: Int = 4, seed: UInt64 = 42) {
        self.rows = rows
        self.files = max(1, files)
        self.seed = seed
    }

    /// Country, currency, USD per unit at the start, yearly growth of the market, UTC offset (hours), cities, weight.
    private static let markets: [(country: String, currency: String, rate: Double, growth: Double, offset: Int, cities: [String], weight: Double)] = [
        ("ZA", "ZAR", 0.054, 0.03, 2, ["Johannesburg", "Cape Town", "Durban"], 20), ("EG", "EGP", 0.032, 0.08, 2, ["Cairo", "Alexandria"], 12),
        ("MA", "MAD", 0.099, 0.12, 1, ["Casablanca", "Rabat", "Marrakech"], 10), ("NG", "NGN", 0.0022, -0.02, 1, ["Lagos", "Abuja"], 8),
        ("KE", "KES", 0.0075, 0.15, 3, ["Nairobi", "Mombasa"], 6), ("DZ", "DZD", 0.0074, 0.05, 1, ["Alger", "Oran"], 6),
        ("GH", "GHS", 0.085, 0.06, 0, ["Accra", "Kumasi"], 3), ("CI", "XOF", 0.0016, 0.10, 0, ["Abidjan"], 3),
        ("SN", "XOF", 0.0016, 0.09, 0, ["Dakar", "Saint-Louis"], 2), ("ET", "ETB", 0.018, 0.20, 3, ["Addis Ababa"], 2),
        ("TZ", "TZS", 0.00043, 0.11, 3, ["Dar es Salaam"], 2), ("AO", "AOA", 0.0019, -0.05, 1, ["Luanda"], 2),
        ("CM", "XAF", 0.0016, 0.04, 1, ["Douala", "Yaoundé"], 1.5), ("RW", "RWF", 0.00085, 0.18, 2, ["Kigali"], 0.8),
        ("BW", "BWP", 0.074, 0.03, 2, ["Gaborone"], 1), ("ZM", "ZMW", 0.055, 0.06, 2, ["Lusaka"], 0.8),
        ("FR", "EUR", 1.08, 0.01, 1, ["Paris", "Lyon"], 2.5), ("AE", "AED", 0.2723, 0.05, 4, ["Dubai"], 1.5), ("US", "USD", 1, 0, -5, ["Houston"], 1),
    ]
    private static let vehicles: [(brand: String, model: String, segment: String, fuel: String, usd: Double)] = [
        ("Toyota", "Hilux", "Pickup", "diesel", 38000), ("Toyota", "Corolla", "Sedan", "hybrid", 24000), ("Hyundai", "Tucson", "SUV", "petrol", 30000),
        ("Kia", "Picanto", "Hatchback", "petrol", 13000), ("Suzuki", "Swift", "Hatchback", "petrol", 14000), ("Renault", "Kwid", "Hatchback", "petrol", 9000),
        ("Dacia", "Duster", "SUV", "diesel", 18000), ("Ford", "Ranger", "Pickup", "diesel", 39000), ("BYD", "Atto 3", "SUV", "electric", 38000),
        ("BYD", "Dolphin", "Hatchback", "electric", 28000), ("Haval", "Jolion", "SUV", "hybrid", 22000), ("Mercedes-Benz", "C-Class", "Sedan", "petrol", 52000),
    ]
    private static let first = ["Amina", "Chinedu", "Thabo", "Fatima Zahra", "Yohannes", "Nomvula", "Kwame", "Aïssatou", "Youssef", "Wanjiru", "Ngozi", "Sipho"]
    private static let last = ["Benali", "Okafor", "Nkosi", "El Idrissi", "Tesfaye", "Dlamini", "Mensah", "Diallo", "O'Brien, Jr.", "Kamau", "Traoré", "Moyo"]
    static let columns = [
        "sale_id", "sold_at", "country", "city", "dealer_id", "seller_id", "seller_name", "customer_name", "customer_email", "customer_phone",
        "brand", "model", "segment", "fuel", "quantity", "unit_price", "currency", "status",
    ]

    /// US dollars per unit of `currency` in month `index` (0 = the first month).
    private static func rate(_ base: Double, _ currency: String, month index: Int) -> Double {
        let wobble = 1 + 0.01 * Double((index * 7 + currency.count) % 5 - 2)
        return (base * wobble * 1e6).rounded() / 1e6
    }

    private func month(_ index: Int) -> (year: Int, month: Int) {
        let total = firstMonth.year * 12 + firstMonth.month - 1 + index
        return (total / 12, total % 12 + 1)
    }

    /// Writes `fx_rates.csv` and `sales/sales-NNN.csv` under `directory`. Returns the sales files' paths.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let sales = directory.appendingPathComponent("sales")
        try FileManager.default.createDirectory(at: sales, withIntermediateDirectories: true)
        var fx = "month,currency,usd_per_unit\n"
        var currencies: [String: Double] = [:]
        for market in Self.markets where market.currency != "USD" { currencies[market.currency] = market.rate }
        for index in 0..<months {
            let (year, month) = month(index)
            for (currency, base) in currencies.sorted(by: { $0.key < $1.key }) {
                fx += "\(year)-\(month < 10 ? "0" : "")\(month),\(currency),\(Self.rate(base, currency, month: index))\n"
            }
        }
        try fx.write(to: directory.appendingPathComponent("fx_rates.csv"), atomically: true, encoding: .utf8)

        var random = SplitMix(seed: seed)
        let totalWeight = Self.markets.reduce(0) { $0 + $1.weight }
        var paths: [URL] = []
        let perFile = (rows + files - 1) / files
        var sale = 0
        for file in 0..<files {
            let url = sales.appendingPathComponent("sales-\(String(format: "%03d", file + 1)).csv")
            paths.append(url)
            let reversed = file % 2 == 1
            let lineEnd = file % 3 == 2 ? "\r\n" : "\n"
            let header = (reversed ? Self.columns.reversed() : Self.columns) + (file == 1 ? ["source_system"] : [])
            let writer = try LineWriter(url: url, header: (file == 0 ? "\u{FEFF}" : "") + header.joined(separator: ",") + lineEnd)
            for _ in 0..<min(perFile, rows - sale) {
                sale += 1
                var pick = random.unit() * totalWeight
                let market = Self.markets.first { pick -= $0.weight; return pick <= 0 } ?? Self.markets[0]
                // Later months likelier where the market grows.
                var index = Int(random.next() % UInt64(months))
                if random.unit() < max(0, market.growth) { index = max(index, Int(random.next() % UInt64(months))) }
                let (year, month) = month(index)
                let day = 1 + Int(random.next() % 28)
                let (hour, minute, second) = (Int(random.next() % 24), Int(random.next() % 60), Int(random.next() % 60))
                let stamp = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
                    + (random.unit() < 0.2 ? "Z" : (market.offset < 0 ? "-" : "+") + String(format: "%02d:00", abs(market.offset)))
                let vehicle = Self.vehicles[Int(random.next() % UInt64(Self.vehicles.count))]
                let seller = Int(random.next() % 6) + 1
                let firstName = Self.first[Int(random.next() % UInt64(Self.first.count))]
                let lastName = Self.last[Int(random.next() % UInt64(Self.last.count))]
                let handle = (firstName.split(separator: " ")[0] + "." + lastName.split(separator: " ")[0]).lowercased().replacingOccurrences(of: "'", with: "")
                let rate = market.currency == "USD" ? 1 : Self.rate(market.rate, market.currency, month: index)
                let price = vehicle.usd * (0.9 + 0.2 * random.unit()) / rate
                let statusDraw = random.unit()
                var row: [String: String] = [
                    "sale_id": "SL-\(String(format: "%09d", sale))", "sold_at": stamp, "country": market.country,
                    "city": market.cities[Int(random.next() % UInt64(market.cities.count))], "dealer_id": "DL-\(market.country)-0\(1 + random.next() % 4)",
                    "seller_id": "S-\(market.country)-0\(seller)", "seller_name": "\(Self.first[(seller * 5) % Self.first.count]) \(Self.last[seller % Self.last.count])",
                    "customer_name": "\(firstName) \(lastName)", "customer_email": "\(handle)@example.\(market.country.lowercased())",
                    "customer_phone": "+\(20 + random.next() % 280) \(600_000_000 + random.next() % 200_000_000)",
                    "brand": vehicle.brand, "model": vehicle.model, "segment": vehicle.segment, "fuel": vehicle.fuel,
                    "quantity": random.unit() < 0.94 ? "1" : "\(2 + random.next() % 19)", "unit_price": String(format: "%.2f", price),
                    "currency": market.currency, "status": statusDraw < 0.88 ? "completed" : statusDraw < 0.96 ? "cancelled" : "refunded",
                ]
                var fields = header.map { row[$0] ?? "legacy-dms" }
                if random.unit() < badFraction {
                    // One broken rule: a field's value, or a short row.
                    let broken = [("sold_at", "2024-02-30T10:00:00Z"), ("country", "XX"), ("brand", ""), ("quantity", "0"), ("unit_price", "1,234.50"),
                                  ("currency", "JPY"), ("status", "pending"), ("sale_id", "SL-\(String(format: "%09d", max(1, sale - 1)))")]
                    let choice = Int(random.next() % UInt64(broken.count + 1))
                    if choice == broken.count {
                        fields = Array(fields.prefix(fields.count / 2))
                    } else {
                        row[broken[choice].0] = broken[choice].1
                        fields = header.map { row[$0] ?? "legacy-dms" }
                    }
                }
                try writer.write(fields.map(CSVText.field).joined(separator: ",") + lineEnd)
            }
            try writer.close()
        }
        return paths
    }
}
