import Connectors
import Foundation
import Logging
public import Scheduler

/// `kind: sales-simulator` (a service, for the demo): produces sale events of the contract's shape to `topic` at
/// `rate` events per second, from `seed`: deals opened by sellers of a few African dealers, later won (with an
/// amount in the country's currency) or lost.
public struct SalesSimulatorJob: JobKind {
    public struct Settings: Decodable, Sendable {
        var topic: String?
        var rate: Double?
        var seed: UInt64?
    }

    public static let kindName = "sales-simulator"
    let settings: Settings
    let hub: StreamingHub?

    public init(settings: Settings) throws { try self.init(settings: settings, hub: nil) }

    public init(settings: Settings, hub: StreamingHub?) throws {
        if let rate = settings.rate, !(0.1...100_000).contains(rate) { throw JobSettingsError("rate must be from 0.1 to 100000 events per second") }
        if let topic = settings.topic, !SellerFiguresJob.isName(topic) { throw JobSettingsError("topic \"\(topic)\" must be 1 to 100 of A-Z a-z 0-9 . _ -") }
        self.settings = settings
        self.hub = hub
    }

    /// Country, currency, a typical price in that currency, dealer's sellers.
    static let markets: [(country: String, currency: String, price: Double, sellers: [String])] = [
        ("ZA", "ZAR", 450_000, ["Thandiwe Nkosi", "Pieter Botha", "Lerato Dlamini"]),
        ("MA", "MAD", 240_000, ["Amina El Idrissi", "Youssef Benali"]),
        ("EG", "EGP", 1_200_000, ["Omar Hassan", "Mona Fathy"]),
        ("NG", "NGN", 38_000_000, ["Chinedu Okafor", "Aisha Bello"]),
        ("KE", "KES", 3_200_000, ["Wanjiru Kamau", "Otieno Odhiambo"]),
        ("GH", "GHS", 320_000, ["Kwame Mensah"]),
        ("CI", "XOF", 15_000_000, ["Aya Kouassi"]),
    ]

    public func run(in context: JobContext) async throws {
        guard let hub else { throw JobFailure("sales-simulator needs the daemon's Kafka settings (it cannot run outside `autooptimize serve`)") }
        let topic = settings.topic ?? "sales.events"
        let rate = settings.rate ?? 20
        var random = SplitMix(seed: settings.seed ?? UInt64(Date().timeIntervalSince1970 * 1000))
        let producer = try KafkaProducer(configuration: hub.kafka, properties: ["client.id": "\(context.pipeline)-simulator"], logger: context.logger)
        context.logger.info("producing about \(rate) sale events a second to \(topic)")
        var open: [[String: String]] = []
        var deal = 0
        let tick = Duration.milliseconds(200)
        while !Task.isCancelled {
            let count = max(1, Int((rate * 0.2).rounded()))
            var batch: [KafkaMessage] = []
            for _ in 0..<count {
                var event: [String: Any]
                if !open.isEmpty, random.unit() < 0.45 {
                    let chosen = open.remove(at: Int(random.next() % UInt64(open.count)))
                    event = chosen
                    if random.unit() < 0.6, let market = Self.markets.first(where: { $0.country == chosen["country"] }) {
                        event["type"] = "deal_won"
                        event["amount"] = (market.price * (0.8 + 0.4 * random.unit()) * 100).rounded() / 100
                        event["currency"] = market.currency
                    } else {
                        event["type"] = "deal_lost"
                    }
                } else {
                    deal += 1
                    let market = Self.markets[Int(random.next() % UInt64(Self.markets.count))]
                    let seller = Int(random.next() % UInt64(market.sellers.count))
                    let opened = [
                        "deal_id": "D-\(context.run)-\(deal)", "seller_id": "S-\(market.country)-\(String(format: "%02d", seller + 1))",
                        "seller_name": market.sellers[seller], "dealer_id": "DL-\(market.country)-01", "country": market.country,
                    ]
                    open.append(opened)
                    event = opened
                    event["type"] = "deal_opened"
                }
                event["event_id"] = UUID().uuidString.lowercased()
                event["occurred_at"] = ISO8601DateFormatter().string(from: Date())
                let value = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
                batch.append(KafkaMessage(topic: topic, key: Array((event["seller_id"] as? String ?? "").utf8), value: Array(value)))
            }
            try await producer.send(batch)
            try await Task.sleep(for: tick)  // the pace of the simulation, not a wait for a condition
        }
    }
}

/// SplitMix64: small, fast, reproducible from a seed (the simulator's events, the tests' shuffles).
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
