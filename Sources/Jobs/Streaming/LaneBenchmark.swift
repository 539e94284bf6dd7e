import Connectors
import Foundation

/// One lane's work without Kafka, for `autooptimize bench lane`: messages parsed and committed to a store of one
/// file in batches, on the calling thread, timed by that thread's processor clock. The stream benchmark's figure
/// moves with the machine's neighbours by a third within an hour; this one, one thread and no broker, much less,
/// so that a change to the parse or the commit can be weighed.
public enum LaneBenchmark {
    public struct Result: Sendable {
        public let events: Int
        public let parseSeconds: Double
        public let commitSeconds: Double
    }

    /// - Parameters:
    ///   - messages: keys and values in the order a topic holds them; each key's messages go to one of `partitions`.
    ///   - fxRates: the FX file's text.
    public static func run(
        messages: [(key: [UInt8], value: [UInt8])], partitions: Int, batch: Int, fxRates: String, storePath: String
    ) throws -> Result {
        let rates = try FXRates(csv: fxRates)
        let store = try FiguresStore(path: storePath, shards: 1)
        var offsets = [Int64](repeating: 0, count: partitions)
        let topic = "sales.events"
        var parse = 0.0
        var fields = SaleEvent.fieldsToReuse()
        var commit = 0.0
        var start = 0
        while start < messages.count {
            let chunk = messages[start..<min(messages.count, start + batch)]
            let parsing = threadSeconds()
            // As a poll hands them: each partition's messages in a run.
            var byPartition = [[FiguresStore.Item]](repeating: [], count: partitions)
            for message in chunk {
                let partition = Int(message.key.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } % UInt32(partitions))
                let event = try? message.value.withUnsafeBufferPointer { value throws(SaleEvent.Rejection) in
                    try SaleEvent.parse(value, rates: rates, details: false, reusing: &fields)
                }
                byPartition[partition].append(
                    .init(partition: KafkaPartition(topic: topic, partition: Int32(partition)), offset: offsets[partition], event: event))
                offsets[partition] += 1
            }
            let items = byPartition.flatMap { $0 }
            let committing = threadSeconds()
            parse += committing - parsing
            try store.commit(items, shard: 0)
            commit += threadSeconds() - committing
            start += batch
        }
        return Result(events: messages.count, parseSeconds: parse, commitSeconds: commit)
    }

    private static func threadSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
