/// The messages one poll took, copied out of librdkafka into one buffer: two allocations a poll instead of two a
/// message (each message's key and value, then freed on whichever thread finishes with them, cost a sixth of the
/// stream worker's time in `malloc` and `free`). Read a value in place with `withValue`.
public struct KafkaBatch: Sendable {
    public struct Message: Sendable {
        public let partition: KafkaPartition
        public let offset: Int64
        fileprivate let key: Range<Int>?
        fileprivate let value: Range<Int>
        public let headers: [(String, [UInt8])]
        /// Milliseconds since 1970, as the producer or the broker stamped it; nil when absent.
        public let timestamp: Int64?
    }

    public private(set) var messages: [Message] = []
    private var bytes: [UInt8] = []

    init(capacity: Int, bytes: Int) {
        messages.reserveCapacity(capacity)
        self.bytes.reserveCapacity(bytes)
    }

    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }
    /// The bytes of every key and value.
    var byteCount: Int { bytes.count }

    mutating func append(
        partition: KafkaPartition, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer,
        headers: [(String, [UInt8])], timestamp: Int64?
    ) {
        let keyRange = key.map { key in
            let start = bytes.count
            bytes.append(contentsOf: key)
            return start..<bytes.count
        }
        let start = bytes.count
        bytes.append(contentsOf: value)
        messages.append(Message(partition: partition, offset: offset, key: keyRange, value: start..<bytes.count, headers: headers, timestamp: timestamp))
    }

    /// Calls `body` with the message's value in place.
    public func withValue<Result, Failure: Error>(
        _ message: Message, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try bytes.withUnsafeBufferPointer { bytes throws(Failure) in try body(UnsafeBufferPointer(rebasing: bytes[message.value])) }
    }

    public func value(_ message: Message) -> [UInt8] { Array(bytes[message.value]) }
    public func key(_ message: Message) -> [UInt8]? { message.key.map { Array(bytes[$0]) } }

    /// Each message as a record of its own.
    public var records: [KafkaRecord] {
        messages.map { message in
            KafkaRecord(
                partition: message.partition, offset: message.offset, key: key(message), value: value(message), headers: message.headers,
                timestamp: message.timestamp)
        }
    }
}
