public import Foundation

/// The live figures the streaming workers keep, as the API serves them. `Jobs` conforms (its `StreamingHub`); the
/// executable hands it to the web server, so that `WebUI` serves figures without importing `Jobs`.
public protocol FiguresProvider: Sendable {
    /// The consumer groups that keep seller figures, with the pipeline each belongs to (for scoped tokens).
    func figureGroups() -> [FiguresGroup]
    /// One group's seller table; nil for an unknown group.
    func sellerFigures(group: String) throws -> SellerFiguresTable?
    /// What a dashboard shows of one group; nil for an unknown group.
    func figuresSummary(group: String, now: Date) throws -> FiguresSummary?
    /// A group each time its figures change (at most a few times a second), for live updates.
    func figureChanges() -> AsyncStream<FiguresGroup>
}

/// A group's figures as a dashboard shows them: the leaders, what is in progress, revenue by hour.
public struct FiguresSummary: Sendable {
    public struct Leader: Sendable, Equatable {
        public let sellerID: String
        public let sellerName: String
        public let dealsWon: Int
        public let revenueUSD: String
        public init(sellerID: String, sellerName: String, dealsWon: Int, revenueUSD: String) {
            self.sellerID = sellerID
            self.sellerName = sellerName
            self.dealsWon = dealsWon
            self.revenueUSD = revenueUSD
        }
    }

    public struct Hour: Sendable, Equatable {
        /// The hour's start, UTC.
        public let start: Date
        public let dealsWon: Int
        public let revenueUSD: String
        public init(start: Date, dealsWon: Int, revenueUSD: String) {
            self.start = start
            self.dealsWon = dealsWon
            self.revenueUSD = revenueUSD
        }
    }

    public let group: String
    public let pipeline: PipelineID
    /// Ten at most, the largest first (ties by seller id).
    public let topByRevenue: [Leader]
    public let topByDealsWon: [Leader]
    public let dealsInProgress: Int
    public let revenueUSD: String
    /// The last 24 UTC hours, oldest first, the current one last (hours without a sale included).
    public let revenueByHour: [Hour]
    public let events: Int
    public let deadLetters: Int
    public let eventsPerSecond: Double
    public let lag: Int64?

    public init(
        group: String, pipeline: PipelineID, topByRevenue: [Leader], topByDealsWon: [Leader], dealsInProgress: Int, revenueUSD: String,
        revenueByHour: [Hour], events: Int, deadLetters: Int, eventsPerSecond: Double, lag: Int64?
    ) {
        self.group = group
        self.pipeline = pipeline
        self.topByRevenue = topByRevenue
        self.topByDealsWon = topByDealsWon
        self.dealsInProgress = dealsInProgress
        self.revenueUSD = revenueUSD
        self.revenueByHour = revenueByHour
        self.events = events
        self.deadLetters = deadLetters
        self.eventsPerSecond = eventsPerSecond
        self.lag = lag
    }
}

public struct FiguresGroup: Sendable, Equatable {
    public let group: String
    public let pipeline: PipelineID
    public init(group: String, pipeline: PipelineID) {
        self.group = group
        self.pipeline = pipeline
    }
}

/// One seller's row: the columns of the contract's `seller_kpis.csv`.
public struct SellerFiguresRow: Sendable, Equatable {
    public let sellerID: String
    public let sellerName: String
    public let dealsWon: Int
    public let dealsLost: Int
    public let dealsOpen: Int
    /// Rounded half-to-even to cents, as text (exact).
    public let revenueUSD: String
    /// won / (won + lost) to 10 decimals; nil before the first outcome.
    public let conversion: String?

    public init(sellerID: String, sellerName: String, dealsWon: Int, dealsLost: Int, dealsOpen: Int, revenueUSD: String, conversion: String?) {
        self.sellerID = sellerID
        self.sellerName = sellerName
        self.dealsWon = dealsWon
        self.dealsLost = dealsLost
        self.dealsOpen = dealsOpen
        self.revenueUSD = revenueUSD
        self.conversion = conversion
    }
}

public struct SellerFiguresTable: Sendable {
    public let group: String
    public let pipeline: PipelineID
    /// Sorted by seller id.
    public let sellers: [SellerFiguresRow]
    /// Exactly the contract's CSV.
    public let csv: String
    public let events: Int
    public let duplicates: Int
    public let deadLetters: Int
    /// Over the last few seconds.
    public let eventsPerSecond: Double
    /// Messages in the topic not yet applied, over the group's partitions; nil when unknown.
    public let lag: Int64?

    public init(
        group: String, pipeline: PipelineID, sellers: [SellerFiguresRow], csv: String, events: Int, duplicates: Int, deadLetters: Int,
        eventsPerSecond: Double, lag: Int64?
    ) {
        self.group = group
        self.pipeline = pipeline
        self.sellers = sellers
        self.csv = csv
        self.events = events
        self.duplicates = duplicates
        self.deadLetters = deadLetters
        self.eventsPerSecond = eventsPerSecond
        self.lag = lag
    }
}
