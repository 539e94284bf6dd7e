import Foundation
public import Logging

/// A swift-log handler that writes one line per message into an attempt's log file.
public struct AttemptLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let log: AttemptLog

    public init(log: AttemptLog) { self.log = log }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = Date().formatted(.iso8601)
        log.write("\(stamp) \(event.level) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
    }
}
