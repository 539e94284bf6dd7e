public import Scheduler

/// The settings file's `alerts:` section: the channels alerts go to, the route of pipelines that name none, how
/// often one alert may repeat, and the panel's address for links.
///
/// ```yaml
/// alerts:
///   panel_url: https://etl.example.com          # default: the address the daemon serves
///   throttle: 15m                               # one alert per pipeline, task and event in this time (default 15m)
///   default: {channels: [oncall], on: [task_failed, run_failed]}
///   channels:
///     - name: oncall
///       type: email
///       smtp_url: smtp://mail.example.com:587   # STARTTLS when offered; smtps:// for TLS from the start
///       starttls: required                      # insist on STARTTLS (default: when the server offers it)
///       from: autooptimize@example.com
///       to: [oncall@example.com]
///       username: autooptimize
///       password: {env: SMTP_PASSWORD}          # {env: …} or {file: …}, never the value
///       ca_file: /etc/ssl/company-ca.pem        # trusted besides the system's CAs (also for webhooks)
///     - name: chat
///       type: webhook
///       url: https://hooks.example.com/T000/B000
///       headers: {X-Team: data}
///       secret: {env: WEBHOOK_SECRET}           # signs each request (HMAC-SHA256)
/// ```
public struct AlertSettings: SettingsSection, Equatable {
    public static let key = "alerts"

    public enum Channel: Sendable, Equatable {
        case email(name: String, Email)
        case webhook(name: String, Webhook)

        public var name: String {
            switch self {
            case .email(let name, _), .webhook(let name, _): name
            }
        }
    }

    public struct Email: Sendable, Equatable {
        public let smtpURL: String
        public let requireStartTLS: Bool
        public let from: String
        public let to: [String]
        public let username: String?
        public let password: SettingSecret?
        /// A PEM file of certificate authorities to trust besides the system's (a company's own).
        public let caFile: String?
        /// How long one delivery may take, connection to the server's last reply (default 30 s).
        public let timeout: Duration
    }

    public struct Webhook: Sendable, Equatable {
        public let url: String
        public let headers: [String: String]
        public let secret: SettingSecret
        public let caFile: String?
        /// How long one request may take before it counts as failed and is retried (default 10 s).
        public let timeout: Duration
    }

    public let channels: [Channel]
    /// For pipelines without an `alerts:` block.
    public let defaultRoute: AlertRoute?
    public let throttle: Duration
    public let panelURL: String?

    public var channelNames: Set<String> { Set(channels.map(\.name)) }

    enum CodingKeys: String, CodingKey {
        case channels, throttle
        case defaultRoute = "default"
        case panelURL = "panel_url"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channels = try container.decodeIfPresent([ChannelDocument].self, forKey: .channels)?.map(\.channel) ?? []
        var seen: Set<String> = []
        for channel in channels where !seen.insert(channel.name).inserted {
            throw DecodingError.dataCorruptedError(forKey: .channels, in: container, debugDescription: "two channels are named \"\(channel.name)\"")
        }
        let throttleText = try container.decodeIfPresent(String.self, forKey: .throttle) ?? "15m"
        guard let throttle = DurationText.parse(throttleText), throttle >= .zero else {
            throw DecodingError.dataCorruptedError(
                forKey: .throttle, in: container, debugDescription: "throttle: \"\(throttleText)\" is not a duration (such as 15m)")
        }
        self.throttle = throttle
        panelURL = try container.decodeIfPresent(String.self, forKey: .panelURL)
        if let panelURL, !(panelURL.hasPrefix("http://") || panelURL.hasPrefix("https://")) || panelURL.contains(where: \.isWhitespace) {
            throw DecodingError.dataCorruptedError(forKey: .panelURL, in: container, debugDescription: "panel_url must be an http:// or https:// address")
        }
        if let route = try container.decodeIfPresent(RouteDocument.self, forKey: .defaultRoute) {
            for channel in route.channels where !seen.contains(channel) {
                throw DecodingError.dataCorruptedError(
                    forKey: .defaultRoute, in: container, debugDescription: "default: unknown channel \"\(channel)\" (channels: \(seen.sorted().joined(separator: ", ")))")
            }
            var events: Set<AlertEvent> = []
            for name in route.on ?? ["task_failed", "run_failed"] {
                guard let event = AlertEvent(rawValue: name) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .defaultRoute, in: container,
                        debugDescription: "default: unknown event \"\(name)\" (events: \(AlertEvent.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                events.insert(event)
            }
            guard !events.contains(.deadlineMissed) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .defaultRoute, in: container, debugDescription: "default: deadline_missed needs each pipeline's own deadline (set it in its alerts: block)")
            }
            defaultRoute = AlertRoute(channels: route.channels, events: events)
        } else {
            defaultRoute = nil
        }
    }

    private struct RouteDocument: Decodable {
        let channels: [String]
        let on: [String]?
    }

    /// One `channels:` entry, by its `type`.
    private struct ChannelDocument: Decodable {
        let channel: Channel

        enum CodingKeys: String, CodingKey {
            case name, type, url, headers, secret, from, to, username, password, starttls
            case smtpURL = "smtp_url"
            case caFile = "ca_file"
            case timeout
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decode(String.self, forKey: .name)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: "a channel's name may hold only letters, digits, \"_\" and \"-\"")
            }
            switch try container.decode(String.self, forKey: .type) {
            case "webhook":
                let url = try container.decode(String.self, forKey: .url)
                guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.count > 8, !url.contains(where: \.isWhitespace) else {
                    throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "url must be an http:// or https:// address")
                }
                let headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
                for (header, value) in headers where header.isEmpty || header.contains(where: { !$0.isASCII || $0 == ":" || $0.isWhitespace })
                    || value.contains(where: { $0 == "\r" || $0 == "\n" })
                {
                    throw DecodingError.dataCorruptedError(forKey: .headers, in: container, debugDescription: "header \"\(header)\" is not a valid HTTP header")
                }
                channel = .webhook(name: name, Webhook(
                    url: url, headers: headers, secret: try container.decode(SettingSecret.self, forKey: .secret),
                    caFile: try container.decodeIfPresent(String.self, forKey: .caFile), timeout: try Self.timeout(in: container, default: 10)))
            case "email":
                let smtpURL = try container.decode(String.self, forKey: .smtpURL)
                guard smtpURL.hasPrefix("smtp://") || smtpURL.hasPrefix("smtps://"), !smtpURL.contains(where: \.isWhitespace) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .smtpURL, in: container, debugDescription: "smtp_url must be smtp://host:port (STARTTLS) or smtps://host:port (TLS)")
                }
                let starttls = try container.decodeIfPresent(String.self, forKey: .starttls) ?? "optional"
                guard ["optional", "required"].contains(starttls) else {
                    throw DecodingError.dataCorruptedError(forKey: .starttls, in: container, debugDescription: "starttls must be optional or required")
                }
                let from = try container.decode(String.self, forKey: .from)
                let to = try container.decode([String].self, forKey: .to)
                for address in [from] + to where !Self.isAddress(address) {
                    throw DecodingError.dataCorruptedError(
                        forKey: address == from ? .from : .to, in: container, debugDescription: "\"\(address)\" is not an email address")
                }
                guard !to.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .to, in: container, debugDescription: "to: name at least one address") }
                channel = .email(name: name, Email(
                    smtpURL: smtpURL, requireStartTLS: starttls == "required", from: from, to: to,
                    username: try container.decodeIfPresent(String.self, forKey: .username),
                    password: try container.decodeIfPresent(SettingSecret.self, forKey: .password),
                    caFile: try container.decodeIfPresent(String.self, forKey: .caFile), timeout: try Self.timeout(in: container, default: 30)))
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "type must be email or webhook, not \"\(other)\"")
            }
        }

        /// `timeout:` as a duration from 1 s to 5 minutes.
        static func timeout(in container: KeyedDecodingContainer<CodingKeys>, default seconds: Int64) throws -> Duration {
            guard let text = try container.decodeIfPresent(String.self, forKey: .timeout) else { return .seconds(seconds) }
            guard let duration = DurationText.parse(text), duration >= .seconds(1), duration <= .seconds(300) else {
                throw DecodingError.dataCorruptedError(forKey: .timeout, in: container, debugDescription: "timeout must be a duration from 1s to 5m")
            }
            return duration
        }

        /// `local@domain`, nothing that could end an SMTP command or header (no spaces, line breaks, `<>`).
        static func isAddress(_ text: String) -> Bool {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
                && !text.contains(where: { $0.isWhitespace || $0.isNewline || "<>,;\"".contains($0) })
        }
    }
}
