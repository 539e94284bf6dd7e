public import Foundation

/// The alert channels of the settings as the API and the panel show them, and a test message to one. `Jobs`
/// conforms (its `AlertSender`), so that `WebUI` serves them without importing `Jobs`.
public protocol AlertChannelDirectory: Sendable {
    var channels: [AlertChannelSummary] { get }
    /// Sends a test message to `channel` now (no retry), and says how it went; nil when there is no such channel.
    func sendTest(to channel: String, requestedBy: String) async -> AlertTestOutcome?
    /// The last test of each channel since the daemon started.
    var lastTests: [String: AlertTestOutcome] { get }
}

/// A channel without its secrets: where it sends, as much as can be shown (a webhook's address is cut to its
/// host: chat hooks carry their token in the path).
public struct AlertChannelSummary: Sendable, Equatable {
    public let name: String
    public let type: String
    public let target: String

    public init(name: String, type: String, target: String) {
        self.name = name
        self.type = type
        self.target = target
    }
}

public struct AlertTestOutcome: Sendable, Equatable {
    public let at: Date
    public let delivered: Bool
    /// Why not, in the words of the receiver or of libcurl.
    public let detail: String?
    public let requestedBy: String

    public init(at: Date, delivered: Bool, detail: String?, requestedBy: String) {
        self.at = at
        self.delivered = delivered
        self.detail = detail
        self.requestedBy = requestedBy
    }
}
