import CRdKafka
import Synchronization

/// Keeps librdkafka 2.0's prefetch flowing. Once a consumer's local queue passes `queued.max.messages.kbytes` (or
/// `queued.min.messages`), a broker thread takes its partitions off the fetch list and looks again only when
/// something wakes it, up to a second later (`rd_kafka_toppar_fetch_decide`: an indefinite backoff; librdkafka 2.3
/// made it `fetch.queue.backoff.ms`). A consumer that drains the queue faster than that waits on an empty queue:
/// a third of the stream benchmark's time went there. Any request to a broker wakes its thread, so after a poll
/// that took messages, at most every `interval`, one partition's offsets are asked of its leader (a cheap
/// ListOffsets round trip), of each assigned partition in turn so that every leader of a cluster is woken. The
/// request runs on a thread of its own: it may wait behind a long-polled fetch, and the poll must not.
final class FetchNudge: Sendable {
    private let interval: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, turn: Int, asking: Bool)>((nil, 0, false))
    private let thread = BlockingWorker(name: "kafka-fetch-nudge")

    init(interval: Duration = .milliseconds(10)) {
        self.interval = interval
    }

    deinit { thread.stop() }

    /// Called after a poll that took messages; returns at once.
    func wake(_ client: KafkaClientHandle, assigned: Set<KafkaPartition>) {
        guard !assigned.isEmpty else { return }
        let now = ContinuousClock.now
        let turn: Int? = state.withLock { state in
            if state.asking { return nil }
            if let last = state.last, now - last < interval { return nil }
            state = (now, state.turn &+ 1, true)
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
