import CRdKafka
import Synchronization

/// The messages one poll took, read in place: each key and value stays in librdkafka's own buffer (the fetched,
/// decompressed message set) until the batch is gone, when its messages are destroyed together. Copying them out
/// into a buffer of our own, fresh memory every poll, cost the stream worker a copy and a page fault per 4 KiB
/// (`perf`: a twentieth of its time). Read a value in place with `withValue`.
public struct KafkaBatch: Sendable {
    public struct Message: Sendable {
        public let partition: KafkaPartition
        public let offset: Int64
        /// Milliseconds since 1970, as the producer or the broker stamped it; nil when absent.
        public let timestamp: Int64?
        /// Where the message's bytes are among the batch's librdkafka messages.
        fileprivate let place: Int
    }

    public private(set) var messages: [Message] = []
    private let held: HeldMessages

    /// - Parameter client: the consumer the messages come from, kept until they are destroyed (librdkafka requires
    ///   a client's messages to go before it does).
    init(capacity: Int, client: KafkaClientHandle) {
        messages.reserveCapacity(capacity)
        held = HeldMessages(client: client, capacity: capacity)
    }

    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }

    /// Takes `message` (which the batch destroys when it goes).
    mutating func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>, partition: KafkaPartition, timestamp: Int64?) {
        messages.append(Message(partition: partition, offset: message.pointee.offset, timestamp: timestamp, place: held.count))
        held.append(message)
    }

    /// Calls `body` with the message's value in place.
    public func withValue<Result, Failure: Error>(
        _ message: Message, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(held.value(message.place))
    }

    public func value(_ message: Message) -> [UInt8] { Array(held.value(message.place)) }
    public func key(_ message: Message) -> [UInt8]? { held.key(message.place).map { Array($0) } }
    /// The message's headers, read when asked: librdkafka parses a message's headers (an allocation, even for
    /// none) at the first asking, which cost as much as the rest of a poll for messages nobody asked about.
    public func headers(_ message: Message) -> [(String, [UInt8])] { held.headers(message.place) }

    /// Each message as a record of its own.
    public var records: [KafkaRecord] {
        messages.map { message in
            KafkaRecord(
                partition: message.partition, offset: message.offset, key: key(message), value: value(message), headers: headers(message),
                timestamp: message.timestamp)
        }
    }
}

/// A batch's librdkafka messages, destroyed with it. Filled by the one poll that makes the batch, read-only once
/// the poll returns it (but for librdkafka's parse of headers, which the lock serializes): hence `@unchecked
/// Sendable`.
private final class HeldMessages: @unchecked Sendable {
    private var pointers: [UnsafeMutablePointer<rd_kafka_message_t>] = []
    private let client: KafkaClientHandle
    private let headerLock = Mutex(())

    init(client: KafkaClientHandle, capacity: Int) {
        self.client = client
        pointers.reserveCapacity(capacity)
    }

    var count: Int { pointers.count }

    func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>) { pointers.append(message) }

    func value(_ place: Int) -> UnsafeBufferPointer<UInt8> {
        let message = pointers[place].pointee
        guard let payload = message.payload else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: payload.assumingMemoryBound(to: UInt8.self), count: message.len)
    }

    func key(_ place: Int) -> UnsafeBufferPointer<UInt8>? {
        let message = pointers[place].pointee
        guard let key = message.key else { return nil }
        return UnsafeBufferPointer(start: key.assumingMemoryBound(to: UInt8.self), count: message.key_len)
    }

    func headers(_ place: Int) -> [(String, [UInt8])] {
        headerLock.withLock { _ in
            var headers: [(String, [UInt8])] = []
            var list: OpaquePointer?
            guard rd_kafka_message_headers(pointers[place], &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return headers }
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append((name.map { String(cString: $0) } ?? "", value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
                index += 1
            }
            return headers
        }
    }

    deinit { for message in pointers { rd_kafka_message_destroy(message) } }
}
