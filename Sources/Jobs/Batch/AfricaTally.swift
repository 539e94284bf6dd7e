/// The contract's monthly figures as the reading threads count them: keyed by month index and country index
/// (numbers, no text), turned into `AfricaFigures` once a file is read.
struct AfricaTally: Sendable {
    private var totals: [Int: AfricaFigures.Totals] = [:]

    /// One sale that passed the rules; counted only when completed and African (`times: -1` takes one back out).
    mutating func count(_ sale: SaleRowRules.Passed, times: Int = 1) {
        guard sale.completed, Countries.regionByIndex[sale.country] != nil else { return }
        let revenue = sale.revenue.times(times)
        modify(&totals[sale.monthIndex << 10 | sale.country, default: AfricaFigures.Totals()]) { totals in
            totals.orders += times
            totals.units += sale.quantity * times
            totals.revenue.add(revenue)
            if sale.electrified { totals.electrifiedUnits += sale.quantity * times }
        }
    }

    /// The same counts as `AfricaFigures`.
    var figures: AfricaFigures {
        var figures = AfricaFigures()
        for (key, totals) in self.totals {
            figures.add(totals, month: EventTime.monthText(index: key >> 10), country: Countries.byIndex[key & 0x3FF]!)
        }
        return figures
    }
}
