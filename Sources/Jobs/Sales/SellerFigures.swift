import Foundation

/// One seller's live figures, as the contract defines them (section 5).
struct SellerState: Sendable, Equatable {
    var name: String
    var won = 0
    var lost = 0
    /// Deals with an opened event and no won or lost event yet.
    var open = 0
    /// Exact (an addition is an integer's, not `Decimal`'s); rounded to cents only when shown.
    var revenue = ExactSum()

    var revenueUSD: Decimal { revenue.decimal }

    static func == (a: SellerState, b: SellerState) -> Bool {
        a.name == b.name && a.won == b.won && a.lost == b.lost && a.open == b.open && a.revenueUSD == b.revenueUSD
    }

    /// Both figures together (one seller's rows of two partitions): the name is this one's.
    func adding(_ other: SellerState) -> SellerState {
        var sum = self
        sum.won += other.won
        sum.lost += other.lost
        sum.open += other.open
        sum.revenue.add(other.revenue)
        return sum
    }

    /// won / (won + lost); nil before the first outcome.
    var conversion: Double? { won + lost == 0 ? nil : Double(won) / Double(won + lost) }
    /// As the contract's CSV writes it: 10 decimals.
    var conversionText: String? { conversion.map { String(format: "%.10f", $0) } }
}

/// What is known of one deal: enough to count it open exactly once, whatever order its events come in.
struct DealState: Sendable, Equatable {
    var opened: Bool
    var closed: Bool
    /// The seller its opened event named: the one whose open deals it counts in.
    var seller: String?
}

/// How one new event (never a redelivery: the caller drops those by `event_id`) changes the figures. Pure, so that
/// the in-memory book of the tests and the worker's store apply the same rules.
enum SellerFigures {
    static func apply(_ event: SaleEvent, deal: DealState?, sellers: inout [String: SellerState]) -> DealState {
        var next = deal ?? DealState(opened: false, closed: false, seller: nil)
        // The seller's entry found once and changed in place (this runs for every event of the stream).
        let index: Dictionary<String, SellerState>.Index
        if let found = sellers.index(forKey: event.sellerID) {
            index = found
            if sellers.values[index].name != event.sellerName { sellers.values[index].name = event.sellerName }
        } else {
            sellers[event.sellerID] = SellerState(name: event.sellerName)
            index = sellers.index(forKey: event.sellerID)!
        }
        switch event.kind {
        case .dealOpened:
            if !next.opened {
                next.opened = true
                next.seller = event.sellerID
                if !next.closed { sellers.values[index].open += 1 }
            }
        case .dealWon, .dealLost:
            if event.kind == .dealWon {
                sellers.values[index].won += 1
                if let revenue = event.revenue { sellers.values[index].revenue.add(revenue) }
            } else {
                sellers.values[index].lost += 1
            }
            if next.opened, !next.closed, let opener = next.seller {
                if opener == event.sellerID { sellers.values[index].open -= 1 } else { sellers[opener]?.open -= 1 }
            }
            next.closed = true
        }
        return next
    }

    /// The contract's CSV (`expected/seller_kpis.csv`): sorted by seller id, revenue half-even to cents, conversion
    /// to 10 decimals (empty before any outcome), quoted as RFC 4180 wants.
    static func csv(_ sellers: [String: SellerState]) -> String {
        var lines = ["seller_id,seller_name,deals_won,deals_lost,deals_open,revenue_usd,conversion"]
        for id in sellers.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let s = sellers[id]!
            let conversion = s.conversionText ?? ""
            lines.append([quoted(id), quoted(s.name), "\(s.won)", "\(s.lost)", "\(s.open)", cents(s.revenueUSD), conversion].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Half-to-even to cents, written with exactly two decimals.
    static func cents(_ value: Decimal) -> String { DecimalText.fixed(value, places: 2) }

    static func quoted(_ field: String) -> String { CSVText.field(field) }
}

/// The figures of a whole stream in memory: what the tests hold the worker's store to, and the simplest correct
/// reading of the contract.
struct SellerFiguresBook: Sendable {
    private(set) var sellers: [String: SellerState] = [:]
    private var deals: [String: DealState] = [:]
    private var seen: Set<EventID> = []
    private(set) var rejected: [SaleEvent.Rejection] = []
    private(set) var duplicates = 0

    mutating func apply(_ value: [UInt8], rates: FXRates) {
        let event: SaleEvent
        do {
            event = try SaleEvent.parse(value, rates: rates)
        } catch {
            rejected.append(error)
            return
        }
        guard seen.insert(event.eventID).inserted else {
            duplicates += 1
            return
        }
        deals[event.dealID] = SellerFigures.apply(event, deal: deals[event.dealID], sellers: &sellers)
    }
}
