import ArgumentParser
import Connectors
import Foundation
import Jobs
import Logging
import Scheduler

/// `autooptimize bench stream`: one `seller-figures` worker over a topic of the embedded broker holding `events`
/// sale events (1% redelivered, 0.1% bad), its figures and offsets committed as it goes. Prints one JSON object.
struct StreamBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Measure the seller-figures worker: events applied per second through the embedded broker, peak memory.")

    @Option(help: "Events in the topic.") var events: Int = 1_000_000
    @Option(help: "Partitions of the topic (the embedded broker keeps about 5 MiB each, compressed).") var partitions: Int = 32
    @Option(help: "Messages a poll takes at most (the job's own maximum by default).") var batch: Int = FiguresWorker.defaultBatch
    @Option(help: """
        The producer's compression.type for the topic, which the worker's librdkafka decompresses (lz4: the fastest to \
        read; librdkafka 2.0.2 decompresses a zstd message set without a size up to three times).
        """)
    var compression = "lz4"
    @Option(help: "Events a second for the latency measurement.") var latencyRate: Int = 5000
    @Option(help: "Seconds of the latency measurement.") var latencySeconds: Int = 10
    @Option(help: """
        A running broker's bootstrap address, whose empty sales.events it fills; default: `autooptimize broker` started \
        for the run, so that the peak memory measured is the worker's (the broker's is reported beside it).
        """)
    var brokers: String?

    func run() async throws {
        MemoryTrim.mapLargeBuffers()  // as the daemon does
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let root = try BenchSupport.scratchDirectory("stream-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let fx = root.appendingPathComponent("fx.csv")
        try EventGenerator.fxRates.write(to: fx, atomically: true, encoding: .utf8)

        let broker = brokers == nil ? try await BenchBroker.start(partitions: partitions) : nil
        defer { broker?.stop() }
        let kafka = KafkaConfiguration(bootstrapServers: brokers ?? broker?.bootstrap ?? "")
        let producer = try KafkaProducer(
            configuration: kafka, properties: ["compression.type": compression, "linger.ms": "50", "batch.num.messages": "10000"], logger: logger)
        let produceStart = ContinuousClock.now
        var produced = 0
        var generator = EventGenerator()
        while produced < events {
            let chunk = (0..<min(50_000, events - produced)).map { _ in generator.next() }
            try await producer.send(chunk, timeout: .seconds(120))
            produced += chunk.count
        }
        let produceSeconds = Self.seconds(ContinuousClock.now - produceStart)
        // What the producing left free goes back to the system: the peak measured is the worker's.
        MemoryTrim.now()

        let worker = try FiguresWorker(
            kafka: kafka, group: "bench", topic: "sales.events", deadLetterTopic: "sales.events.dlq", fxRatesPath: fx.path,
            storePath: root.appendingPathComponent("figures.sqlite").path, logger: logger)
        var first: ContinuousClock.Instant?
        var cpuAtFirst = 0.0
        var handled = 0
        let deadline = ContinuousClock.now + .seconds(600)
        while handled < events, ContinuousClock.now < deadline {
            let count = try await worker.step(maximum: batch, timeout: .milliseconds(500))
            if count > 0, first == nil {
                first = ContinuousClock.now
                cpuAtFirst = Self.processorSeconds()
            }
            handled += count
        }
        guard let first, handled >= events else { throw ValidationError("only \(handled) of \(events) events were consumed in time") }
        try await worker.flush()  // the last batch committed too
        let seconds = Self.seconds(ContinuousClock.now - first)
        let cpu = Self.processorSeconds() - cpuAtFirst
        let totals = try worker.totals()
        let prompt = try KafkaProducer(configuration: kafka, properties: ["linger.ms": "2"], logger: logger)
        let latencies = try await latency(producer: prompt, worker: worker, applied: totals.events)
        let report: [String: Any] = [
            "events": events, "partitions": partitions, "compression": compression, "broker_peak_rss_mb": broker.map { peakResidentMegabytes(of: "\($0.process.processIdentifier)") } ?? 0, "batch": batch, "cores": ProcessInfo.processInfo.activeProcessorCount,
            "produce_events_per_second": Int(Double(events) / produceSeconds),
            "events_per_second": Int(Double(events) / seconds),
            // Processor time (every thread: broker, client, parse, commit) per event, and how busy the cores were.
            "cpu_us_per_event": (cpu / Double(events) * 1e7).rounded() / 10, "cores_busy": (cpu / seconds * 100).rounded() / 100,
            "applied": totals.events, "duplicates": totals.duplicates, "dead_letters": totals.deadLetters,
            "peak_rss_mb": peakResidentMegabytes(),
            "latency_rate": latencyRate,
            "latency_p50_ms": Self.percentile(latencies, 0.5), "latency_p99_ms": Self.percentile(latencies, 0.99),
        ]
        try BenchSupport.printReport(report)
        // The clients go before the broker they talk to (else they log its disappearance).
        withExtendedLifetime((worker, producer, prompt)) {}
    }

    /// From an event handed to the producer to the figures (the store the API reads) counting it, at `latencyRate`
    /// events a second: one batch of events every 20 ms; the worker keeps stepping meanwhile. Milliseconds.
    private func latency(producer: KafkaProducer, worker: FiguresWorker, applied: Int) async throws -> [Double] {
        let perTick = max(1, latencyRate / 50)
        var sent: [(at: ContinuousClock.Instant, count: Int)] = []
        var samples: [Double] = []
        var expected = applied
        let end = ContinuousClock.now + .seconds(latencySeconds)
        let consuming = Task {
            while !Task.isCancelled { try await worker.step(maximum: batch, timeout: .milliseconds(5)) }
        }
        defer { consuming.cancel() }
        var next = ContinuousClock.now
        while ContinuousClock.now < end {
            // New deals only, each counted once: the store's count says when a batch is in.
            let chunk = (0..<perTick).map { index in
                let id = "l-\(samples.count + sent.count)-\(index)-\(next)"
                return KafkaMessage(topic: "sales.events", key: Array("S-7".utf8), value: Array("""
                    {"event_id": "\(id)", "type": "deal_opened", "occurred_at": "2025-06-01T10:15:00Z", "deal_id": "\(id)", \
                    "seller_id": "S-7", "seller_name": "Seller 7", "dealer_id": "DL-1", "country": "ZA"}
                    """.utf8))
            }
            let at = ContinuousClock.now
            try await producer.send(chunk)
            sent.append((at, chunk.count))
            next += .milliseconds(20)
            // Whatever the store has counted by now closes the batches it covers.
            let counted = try worker.totals().events
            while let oldest = sent.first, expected + oldest.count <= counted {
                samples.append(Self.seconds(ContinuousClock.now - oldest.at) * 1000)
                expected += oldest.count
                sent.removeFirst()
            }
            try await Task.sleep(until: next)  // the pace of the load, not a wait for a condition
        }
        return samples
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return (sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 10).rounded() / 10
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// User and system processor time of the whole process so far.
    static func processorSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

}

/// `autooptimize broker` (this executable) with one broker and the bench's topics, as a process of its own: the
/// embedded broker keeps the topic in memory, which is not the worker's.
struct BenchBroker {
    let process: Process
    let bootstrap: String

    static func start(partitions: Int) async throws -> BenchBroker {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["broker", "--brokers", "1", "--partitions", "\(partitions)", "--topic", "sales.events", "--topic", "sales.events.dlq"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Its first line is the bootstrap address (a closed pipe first: it failed to start).
        let reader = output.fileHandleForReading
        let line = await Task.detached {
            var line: [UInt8] = []
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData  // blocks, off the cooperative pool; empty at its end
                if chunk.isEmpty { break }
                line += chunk
            }
            return Array(line.prefix { $0 != UInt8(ascii: "\n") })
        }.value
        guard !line.isEmpty else {
            process.terminate()
            throw BenchError("autooptimize broker did not start")
        }
        return BenchBroker(process: process, bootstrap: String(decoding: line, as: UTF8.self))
    }


    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// Sale events of the contract's shape, deterministic: deals opened, then won or lost, with a few redeliveries and
/// bad messages mixed in.
struct EventGenerator {
    /// The FX file its events convert with (won deals are in ZAR).
    static let fxRates = "month,currency,usd_per_unit\n2025-06,ZAR,0.054\n"

    private var count = 0
    private var deal = 0
    private var open: [(deal: Int, seller: Int)] = []
    private var recent: [KafkaMessage] = []

    mutating func next() -> KafkaMessage {
        count += 1
        if count % 100 == 0, let again = recent.last { return again }  // a redelivery
        if count % 1000 == 1 { return KafkaMessage(topic: "sales.events", key: Array("S-XX".utf8), value: Array("{not json".utf8)) }
        let seller: Int
        let type: String
        var extra = ""
        let dealID: Int
        if open.count > 50 || (!open.isEmpty && count % 3 == 0) {
            let closing = open.removeFirst()
            dealID = closing.deal
            seller = closing.seller
            if count % 5 < 3 {
                type = "deal_won"
                extra = ", \"amount\": \(200_000 + (count % 97) * 1000).\(count % 100 < 10 ? "0" : "")\(count % 100), \"currency\": \"ZAR\""
            } else {
                type = "deal_lost"
            }
        } else {
            deal += 1
            dealID = deal
            seller = count % 200
            open.append((deal, seller))
            type = "deal_opened"
        }
        let value = """
            {"event_id": "\(Self.uuid(count))", "type": "\(type)", "occurred_at": "2025-06-01T10:15:00Z", "deal_id": "D-\(dealID)", \
            "seller_id": "S-\(seller)", "seller_name": "Seller \(seller)", "dealer_id": "DL-1", "country": "ZA"\(extra)}
            """
        let message = KafkaMessage(topic: "sales.events", key: Array("S-\(seller)".utf8), value: Array(value.utf8))
        recent = [message]
        return message
    }

    /// A UUID-shaped id drawn from `count` (event ids are random UUIDs in the contract's producers: the store's
    /// lookups get no help from their order).
    private static func uuid(_ count: Int) -> String {
        func mixed(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let hex = String(mixed(UInt64(count)), radix: 16) + String(mixed(UInt64(count) << 32 | 1), radix: 16)
        let digits = Array((String(repeating: "0", count: max(0, 32 - hex.count)) + hex).utf8)
        let groups = [digits[0..<8], digits[8..<12], digits[12..<16], digits[16..<20], digits[20..<32]]
        return groups.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "-")
    }
}

/// `autooptimize bench lane`: one lane of the stream worker (parse, commit) on one thread, without Kafka.
struct LaneBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lane",
        abstract: "Measure one lane of the seller-figures worker (parse and commit, one thread, no broker) in processor time per event.")

    @Option(help: "Events.") var events: Int = 300_000
    @Option(help: "Partitions the events are keyed over.") var partitions: Int = 16
    @Option(help: "Events a batch.") var batch: Int = 5000

    func run() async throws {
        MemoryTrim.mapLargeBuffers()  // as the daemon does
        let root = try BenchSupport.scratchDirectory("lane-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        var generator = EventGenerator()
        let messages = (0..<events).map { _ in generator.next() }.map { (key: $0.key ?? [], value: $0.value) }
        let result = try LaneBenchmark.run(
            messages: messages, partitions: partitions, batch: batch, fxRates: EventGenerator.fxRates,
            storePath: root.appendingPathComponent("figures.sqlite").path)
        // Microseconds an event, to a tenth.
        func perEvent(_ seconds: Double) -> Double { (seconds / Double(events) * 1e7).rounded() / 10 }
        let report: [String: Any] = [
            "events": result.events, "partitions": partitions, "batch": batch, "parse_us_per_event": perEvent(result.parseSeconds),
            "commit_us_per_event": perEvent(result.commitSeconds), "lane_us_per_event": perEvent(result.parseSeconds + result.commitSeconds),
        ]
        try BenchSupport.printReport(report)
    }
}
