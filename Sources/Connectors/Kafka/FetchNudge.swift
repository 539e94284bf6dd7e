import CRdKafka
import Synchronization

/// Keeps librdkafka 2.0's prefetch flowing. Once a consumer's local queue passes `queued.max.messages.kbytes` (or
/// `queued.min.messages`), a broker thread takes its partitions off the fetch list and looks again only when
/// something wakes it, up to a second later (`rd_kafka_toppar_fetch_decide`: an indefinite backoff; librdkafka 2.3
/// made it `fetch.queue.backoff.ms`). A consumer that drains the queue faster than that waits on an empty queue:
/// a third of the stream benchmark's time went there. Any request to a broker wakes its thread, so after a poll
/// that took a full batch, at most every `interval`, one partition's offsets are asked of its leader (a cheap
/// ListOffsets round trip), of each assigned partition in turn so that every leader of a cluster is woken.
final class FetchNudge: Sendable {
    private let interval: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, turn: Int)>((nil, 0))

    init(interval: Duration = .milliseconds(10)) {
        self.interval = interval
    }

    /// Called on the polling thread after a poll that took a full batch (it blocks for the round trip, at most 50 ms).
    /// Each call asks about the next of the `assigned` partitions, so that every leader of a cluster is woken in turn.
    func wake(_ client: OpaquePointer, assigned: Set<KafkaPartition>) {
        let now = ContinuousClock.now
        let turn: Int? = state.withLock { state in
            if let last = state.last, now - last < interval { return nil }
            state.last = now
            state.turn &+= 1
            return state.turn
        }
        guard let turn, !assigned.isEmpty else { return }
        let partitions = assigned.sorted()
        let partition = partitions[turn % partitions.count]
        var low: Int64 = 0
        var high: Int64 = 0
        _ = rd_kafka_query_watermark_offsets(client, partition.topic, partition.partition, &low, &high, 50)
    }
}
