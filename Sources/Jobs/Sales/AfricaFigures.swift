import Foundation

/// The contract's section 4, computed as the sales are read (one pass, memory bounded by months × countries):
/// only completed sales in African countries count; sums are exact and rounded half-to-even to cents at the end.
struct AfricaFigures: Sendable {
    struct MonthKey: Hashable, Comparable, Sendable {
        let month: String
        let country: String
        static func < (a: MonthKey, b: MonthKey) -> Bool { (a.month, a.country) < (b.month, b.country) }
    }

    struct Totals: Sendable, Equatable {
        var orders = 0
        var units = 0
        var revenue = ExactSum()
        var revenueUSD: Decimal { revenue.decimal }
        /// Units with an electric or hybrid engine (for the investor's electrification share).
        var electrifiedUnits = 0
    }

    private(set) var monthly: [MonthKey: Totals] = [:]

    /// `times: -1` takes a sale counted before back out (one found a duplicate after it was counted).
    mutating func count(_ sale: Sale, times: Int = 1) {
        count(
            month: sale.month, country: sale.country, status: sale.status, quantity: sale.quantity * times, revenue: sale.revenue.times(times),
            fuel: sale.fuel, orders: times)
    }

    /// Months and countries whose every sale was taken back out.
    mutating func dropEmpty() {
        monthly = monthly.filter { $0.value.orders != 0 }
    }

    mutating func count(month: String, country: String, status: String, quantity: Int, revenueUSD: Decimal, fuel: String = "") {
        count(month: month, country: country, status: status, quantity: quantity, revenue: .decimal(revenueUSD), fuel: fuel)
    }

    /// One accepted sale (status in lower case, country upper case); counted only when completed and African.
    mutating func count(month: String, country: String, status: String, quantity: Int, revenue: ExactOrDecimal, fuel: String = "", orders: Int = 1) {
        guard status == "completed", Countries.africanRegions[country] != nil else { return }
        let electrified = fuel == "electric" || fuel == "hybrid"
        // Changed in place (no copy of the totals in and out of the dictionary).
        modify(&monthly[MonthKey(month: month, country: country), default: Totals()]) { totals in
            totals.orders += orders
            totals.units += quantity
            totals.revenue.add(revenue)
            if electrified { totals.electrifiedUnits += quantity }
        }
    }

    /// Adds what another reading counted (of other rows): the sums are exact, so the order of reading does not matter.
    mutating func merge(_ other: AfricaFigures) {
        for (key, theirs) in other.monthly { add(theirs, month: key.month, country: key.country) }
    }

    /// Adds totals counted elsewhere to a month and country's.
    mutating func add(_ theirs: Totals, month: String, country: String) {
        modify(&monthly[MonthKey(month: month, country: country), default: Totals()]) { totals in
            totals.orders += theirs.orders
            totals.units += theirs.units
            totals.revenue.add(theirs.revenue)
            totals.electrifiedUnits += theirs.electrifiedUnits
        }
    }

    /// The latest month with a counted sale; nil when none counted.
    var asOf: String? { monthly.keys.map(\.month).max() }

    /// One row of a trends table (by country or by region).
    struct Trend: Sendable, Equatable {
        let key: [String]
        let asOf: String
        let revenueLast12: Decimal
        let revenuePrevious12: Decimal
        let unitsLast12: Int
        /// (last − previous) / previous; nil when previous is 0.
        let growth: Decimal?
        /// revenue_last_12m over Africa's.
        let share: Decimal?
    }

    /// africa_country_trends (key: country, region) or africa_region_trends (key: region).
    func trends(byRegion: Bool) -> [Trend] {
        guard let asOf else { return [] }
        let last = Set((0..<12).map { Self.month(asOf, minus: $0) })
        let previous = Set((12..<24).map { Self.month(asOf, minus: $0) })
        var sums: [[String]: (last: Decimal, previous: Decimal, units: Int)] = [:]
        for (key, totals) in monthly {
            let region = Countries.africanRegions[key.country] ?? ""
            let group = byRegion ? [region] : [key.country, region]
            if last.contains(key.month) {
                sums[group, default: (0, 0, 0)].last += totals.revenueUSD
                sums[group, default: (0, 0, 0)].units += totals.units
            } else if previous.contains(key.month) {
                sums[group, default: (0, 0, 0)].previous += totals.revenueUSD
            }
        }
        let total = sums.values.reduce(Decimal(0)) { $0 + $1.last }
        return sums.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let sum = sums[key]!
            return Trend(
                key: key, asOf: asOf, revenueLast12: sum.last, revenuePrevious12: sum.previous, unitsLast12: sum.units,
                growth: sum.previous == 0 ? nil : (sum.last - sum.previous) / sum.previous,
                share: total == 0 ? nil : sum.last / total)
        }
    }

    /// What an investor wants beside the contract's tables: each country's revenue with its 3-month moving average
    /// (the month and the two before it; months without a sale count as 0), oldest first.
    func movingAverages() -> [(key: MonthKey, revenueUSD: Decimal, average: Decimal)] {
        monthly.keys.sorted().map { key in
            let three = (0..<3).reduce(Decimal(0)) { sum, back in
                sum + (monthly[MonthKey(month: Self.month(key.month, minus: back), country: key.country)]?.revenueUSD ?? 0)
            }
            return (key, monthly[key]!.revenueUSD, three / 3)
        }
    }

    /// Countries ranked by revenue of the last 12 months (size) and by year-on-year growth (countries without a
    /// previous year last), with the share of electric and hybrid units in the last 12 months.
    struct Ranking: Sendable, Equatable {
        let trend: Trend
        let bySize: Int
        let byGrowth: Int
        let electrifiedShare: Decimal?
    }

    func rankings() -> [Ranking] {
        let trends = trends(byRegion: false)
        guard let asOf else { return [] }
        let last = Set((0..<12).map { Self.month(asOf, minus: $0) })
        var electrified: [String: (units: Int, electrified: Int)] = [:]
        for (key, totals) in monthly where last.contains(key.month) {
            electrified[key.country, default: (0, 0)].units += totals.units
            electrified[key.country, default: (0, 0)].electrified += totals.electrifiedUnits
        }
        let bySize = trends.sorted { ($0.revenueLast12, $1.key[0]) > ($1.revenueLast12, $0.key[0]) }.map { $0.key[0] }
        let byGrowth = trends.sorted { a, b in
            switch (a.growth, b.growth) {
            case let (x?, y?): return x != y ? x > y : a.key[0] < b.key[0]
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.key[0] < b.key[0]
            }
        }.map { $0.key[0] }
        return trends.map { trend in
            let country = trend.key[0]
            let units = electrified[country] ?? (0, 0)
            return Ranking(
                trend: trend, bySize: bySize.firstIndex(of: country)! + 1, byGrowth: byGrowth.firstIndex(of: country)! + 1,
                electrifiedShare: units.units == 0 ? nil : Decimal(units.electrified) / Decimal(units.units))
        }
    }

    /// `YYYY-MM` `count` months before `month`.
    static func month(_ month: String, minus count: Int) -> String {
        let year = Int(month.prefix(4)) ?? 0
        let number = Int(month.suffix(2)) ?? 1
        let index = year * 12 + (number - 1) - count
        let (y, m) = (index / 12, index % 12 + 1)
        return String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y) + "-" + (m < 10 ? "0" : "") + String(m)
    }
}

/// The contract's tables as CSV, byte for byte as its reference writes them.
enum AfricaTables {
    static func monthlySales(_ figures: AfricaFigures) -> String {
        var lines = ["month,country,region,orders,units,revenue_usd"]
        for key in figures.monthly.keys.sorted() {
            let totals = figures.monthly[key]!
            lines.append("\(key.month),\(key.country),\(Countries.africanRegions[key.country] ?? ""),\(totals.orders),\(totals.units),\(DecimalText.fixed(totals.revenueUSD, places: 2))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func countryTrends(_ figures: AfricaFigures) -> String {
        trends(figures.trends(byRegion: false), head: "country,region")
    }

    static func regionTrends(_ figures: AfricaFigures) -> String {
        trends(figures.trends(byRegion: true), head: "region")
    }

    /// Beyond the contract: revenue and its 3-month moving average per country and month.
    static func movingAverages(_ figures: AfricaFigures) -> String {
        var lines = ["month,country,region,revenue_usd,revenue_3m_avg"]
        for row in figures.movingAverages() {
            lines.append([
                row.key.month, row.key.country, Countries.africanRegions[row.key.country] ?? "", DecimalText.fixed(row.revenueUSD, places: 2),
                DecimalText.fixed(row.average, places: 2),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Beyond the contract: countries ranked by size and by growth, with their electrification share.
    static func rankings(_ figures: AfricaFigures) -> String {
        var lines = ["country,region,as_of,revenue_last_12m,yoy_growth,rank_by_size,rank_by_growth,electrified_share_last_12m"]
        for row in figures.rankings().sorted(by: { $0.bySize < $1.bySize }) {
            lines.append([
                row.trend.key[0], row.trend.key[1], row.trend.asOf, DecimalText.fixed(row.trend.revenueLast12, places: 2),
                row.trend.growth.map { DecimalText.fixed($0, places: 10) } ?? "", String(row.bySize), String(row.byGrowth),
                row.electrifiedShare.map { DecimalText.fixed($0, places: 10) } ?? "",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func trends(_ rows: [AfricaFigures.Trend], head: String) -> String {
        var lines = [head + ",as_of,revenue_last_12m,revenue_prev_12m,yoy_growth,units_last_12m,share_last_12m"]
        for row in rows {
            let fields = row.key + [
                row.asOf, DecimalText.fixed(row.revenueLast12, places: 2), DecimalText.fixed(row.revenuePrevious12, places: 2),
                row.growth.map { DecimalText.fixed($0, places: 10) } ?? "", "\(row.unitsLast12)",
                row.share.map { DecimalText.fixed($0, places: 10) } ?? "",
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Decimals written as the contract's files write them.
enum DecimalText {
    /// Rounded half-to-even to `places` decimals and written with exactly that many (`-0.5` → `-0.50`).
    static func fixed(_ value: Decimal, places: Int) -> String {
        var exact = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, places, .bankers)
        var text = NSDecimalNumber(decimal: rounded).stringValue
        if !text.contains(".") { text += places > 0 ? "." : "" }
        let decimals = text.distance(from: text.firstIndex(of: ".") ?? text.endIndex, to: text.endIndex) - 1
        if places > 0, decimals < places { text += String(repeating: "0", count: places - max(0, decimals)) }
        return text
    }
}
