public import Connectors
public import Scheduler

/// The settings file's `elasticsearch:` section: where the figures workers write their documents for Kibana.
/// Without it, nothing is written to Elasticsearch.
///
/// ```yaml
/// elasticsearch:
///   url: https://es.example.com:9200
///   username: autooptimize
///   password: {env: ES_PASSWORD}
///   ca_file: /etc/autooptimize/es-ca.pem
/// ```
public struct ElasticsearchSettings: SettingsSection, Equatable {
    public static let key = "elasticsearch"
    public var url: String
    public var username: String?
    public var password: SettingSecret?
    public var caFile: String?
    /// Seconds a request may take before it is abandoned and retried.
    public var timeoutSeconds = 30

    enum CodingKeys: String, CodingKey {
        case url, username, password
        case caFile = "ca_file"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(url: String, username: String? = nil, password: SettingSecret? = nil, caFile: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        guard (url.hasPrefix("http://") || url.hasPrefix("https://")), url.count > 8, !url.contains(where: \.isWhitespace) else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "url must be an http:// or https:// address")
        }
        username = try container.decodeIfPresent(String.self, forKey: .username)
        password = try container.decodeIfPresent(SettingSecret.self, forKey: .password)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 30
        guard (1...600).contains(timeoutSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .timeoutSeconds, in: container, debugDescription: "timeout_seconds must be from 1 to 600")
        }
        if password != nil, username == nil {
            throw DecodingError.dataCorruptedError(forKey: .password, in: container, debugDescription: "a password needs a username")
        }
    }

    /// The client's configuration, with the password read now.
    /// - Throws: `SettingSecretError` when the password's variable or file is missing.
    public func configuration() throws -> ElasticsearchConfiguration {
        ElasticsearchConfiguration(
            url: url, username: username, password: try password?.resolve(), caFile: caFile, timeout: .seconds(timeoutSeconds))
    }
}
