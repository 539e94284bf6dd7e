import Foundation
import Hummingbird
import Scheduler

/// `GET /api/v1/figures/sellers`: the live seller figures of a consumer group, as JSON or as the contract's CSV.
/// Viewers and above; a token scoped to pipelines sees only their groups.
struct FiguresController: Sendable {
    let figures: (any FiguresProvider)?

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("figures/sellers") { request, context in try sellers(request, context) }
        group.get("figures/summary") { request, context in try summary(request, context) }
    }

    private func summary(_ request: Request, _ context: AppRequestContext) throws -> FiguresSummaryView {
        let chosen = try chosenGroup(request, context)
        guard let summary = try figures?.figuresSummary(group: chosen.group, now: Date()) else {
            throw APIError.notFound("no figures for group \(chosen.group)")
        }
        let principal = try context.require(.read, for: .filtered)
        return FiguresSummaryView(summary, groups: (figures?.figureGroups() ?? []).filter { principal.sees($0.pipeline) }.map(\.group))
    }

    /// The group the query names, or the only one the caller may see.
    private func chosenGroup(_ request: Request, _ context: AppRequestContext) throws -> FiguresGroup {
        let principal = try context.require(.read, for: .filtered)
        let query = request.uri.queryParameters
        let visible = (figures?.figureGroups() ?? []).filter { principal.sees($0.pipeline) }
        var chosen: FiguresGroup
        if let name = query.get("group") {
            guard let found = visible.first(where: { $0.group == name }) else {
                throw APIError.notFound("no figures for group \(name)\(visible.isEmpty ? "" : " (groups: \(visible.map(\.group).joined(separator: ", ")))")")
            }
            chosen = found
        } else {
            guard visible.count == 1, let only = visible.first else {
                throw visible.isEmpty
                    ? APIError.notFound("no seller-figures worker is running")
                    : APIError.badRequest("group is required: there are \(visible.count) (\(visible.map(\.group).joined(separator: ", ")))")
            }
            chosen = only
        }
        return chosen
    }

    private func sellers(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let format = try request.uri.queryParameters.choice("format", FiguresFormat.self) ?? .json
        let chosen = try chosenGroup(request, context)
        guard let table = try figures?.sellerFigures(group: chosen.group) else { throw APIError.notFound("no figures for group \(chosen.group)") }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if format == .csv {
            headers[.contentType] = "text/csv; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: table.csv)))
        }
        headers[.contentType] = "application/json"
        let body = try JSONEncoder().encode(SellerFiguresView(table))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

enum FiguresFormat: String, CaseIterable {
    case json, csv
}

/// The JSON shape: the CSV's columns per seller (money as exact text), and the stream's health.
struct SellerFiguresView: Encodable {
    struct Seller: Encodable {
        let seller_id: String
        let seller_name: String
        let deals_won: Int
        let deals_lost: Int
        let deals_open: Int
        let revenue_usd: String
        let conversion: String?
    }

    let group: String
    let pipeline: String
    let sellers: [Seller]
    let events: Int
    let duplicates: Int
    let deadLetters: Int
    let eventsPerSecond: Double
    let lag: Int64?

    init(_ table: SellerFiguresTable) {
        group = table.group
        pipeline = table.pipeline.rawValue
        sellers = table.sellers.map {
            Seller(
                seller_id: $0.sellerID, seller_name: $0.sellerName, deals_won: $0.dealsWon, deals_lost: $0.dealsLost, deals_open: $0.dealsOpen,
                revenue_usd: $0.revenueUSD, conversion: $0.conversion)
        }
        events = table.events
        duplicates = table.duplicates
        deadLetters = table.deadLetters
        eventsPerSecond = table.eventsPerSecond
        lag = table.lag
    }
}

/// What the live dashboard shows of a group.
struct FiguresSummaryView: ResponseEncodable {
    struct Leader: Encodable {
        let seller_id: String
        let seller_name: String
        let deals_won: Int
        let revenue_usd: String
    }

    struct Hour: Encodable {
        let start: String
        let deals_won: Int
        let revenue_usd: String
    }

    let group: String
    let pipeline: String
    /// Every group the caller may see, for choosing another.
    let groups: [String]
    let topByRevenue: [Leader]
    let topByDealsWon: [Leader]
    let dealsInProgress: Int
    let revenueUSD: String
    let revenueByHour: [Hour]
    let events: Int
    let deadLetters: Int
    let eventsPerSecond: Double
    let lag: Int64?

    init(_ summary: FiguresSummary, groups: [String]) {
        self.groups = groups
        let leader = { (l: FiguresSummary.Leader) in Leader(seller_id: l.sellerID, seller_name: l.sellerName, deals_won: l.dealsWon, revenue_usd: l.revenueUSD) }
        group = summary.group
        pipeline = summary.pipeline.rawValue
        topByRevenue = summary.topByRevenue.map(leader)
        topByDealsWon = summary.topByDealsWon.map(leader)
        dealsInProgress = summary.dealsInProgress
        revenueUSD = summary.revenueUSD
        revenueByHour = summary.revenueByHour.map { Hour(start: rfc3339($0.start), deals_won: $0.dealsWon, revenue_usd: $0.revenueUSD) }
        events = summary.events
        deadLetters = summary.deadLetters
        eventsPerSecond = summary.eventsPerSecond
        lag = summary.lag
    }
}
