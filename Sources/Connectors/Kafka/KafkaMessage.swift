import Foundation

/// A message to produce.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [(String, [UInt8])]
    /// nil: librdkafka's partitioner (by key).
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [(String, [UInt8])] = [], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.topic == b.topic && a.key == b.key && a.value == b.value && a.partition == b.partition
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
    }
}

/// A message as consumed, copied out of librdkafka's buffer.
public struct KafkaRecord: Sendable {
    public let partition: KafkaPartition
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    public let headers: [(String, [UInt8])]
    /// Milliseconds since 1970, as the producer or the broker stamped it; nil when absent.
    public let timestamp: Int64?
}
