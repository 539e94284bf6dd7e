import CRdKafka

/// A Kafka failure: librdkafka's code name and message, and what we were doing.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's name for the code (`_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`…), or `config` for a bad property.
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: rd_kafka_resp_err_t, doing what: String) {
        code = String(cString: rd_kafka_err2name(error))
        message = "\(what): \(String(cString: rd_kafka_err2str(error)))"
    }

    public var description: String { "\(message) (\(code))" }
}

/// The text in a C buffer librdkafka wrote an error into (up to its NUL).
func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
