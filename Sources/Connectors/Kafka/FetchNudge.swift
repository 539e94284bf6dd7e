import CRdKafka
import Synchronization

/// Keeps librdkafka 2.0's prefetch flowing. Once a consumer's local queue passes `queued.max.messages.kbytes` (or
/// `queued.min.messages`), a broker thread takes its partitions off the fetch list and looks again only when
/// something wakes it, up to a second later (`rd_kafka_toppar_fetch_decide`: an indefinite backoff; librdkafka 2.3
/// made it `fetch.queue.backoff.ms`). A consumer that drains the queue faster than that waits on an empty queue:
/// a third of the stream benchmark's time went there. Any request to a broker wakes its thread, so while a backlog
/// is read (a poll that took a full batch, and the one after it, which found the queue drained), at most every
/// `interval`, one partition's offsets are asked of its leader (a cheap ListOffsets round trip), of each assigned
/// partition in turn so that every leader of a cluster is woken. The request runs on a thread of its own. A live
/// trickle never fills the queue and is left alone: there the request waits behind the brokers' long-polled
/// fetch, and asking after every poll doubled the latency of the figures (p50 41 -> 100 ms).
final class FetchNudge: Sendable {
    private let interval: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, turn: Int, asking: Bool, full: Bool)>((nil, 0, false, false))
    private let thread = BlockingWorker(name: "kafka-fetch-nudge")

    init(interval: Duration = .milliseconds(10)) {
        self.interval = interval
    }

    deinit { thread.stop() }

    /// Called after a poll that took messages (`full`: as many as it could take); returns at once.
    func polled(full: Bool, _ client: KafkaClientHandle, assigned: Set<KafkaPartition>) {
        let now = ContinuousClock.now
        let turn: Int? = state.withLock { state in
            defer { state.full = full }
            guard full || state.full, !state.asking, !assigned.isEmpty else { return nil }
            if let last = state.last, now - last < interval { return nil }
            state = (now, state.turn &+ 1, true, full)
            return state.turn
        }
        guard let turn else { return }
        let partitions = assigned.sorted()
        let partition = partitions[turn % partitions.count]
        thread.submit { [self] in
            var low: Int64 = 0
            var high: Int64 = 0
            _ = rd_kafka_query_watermark_offsets(client.pointer, partition.topic, partition.partition, &low, &high, 1000)
            state.withLock { $0.asking = false }
        }
    }
}
