public import Scheduler

/// The settings file's `lineage:` section: an OpenLineage endpoint (Marquez's `/api/v1/lineage`, or any
/// collector) that receives every lineage event as it is recorded. Without it, events stay in the store, for
/// `GET /api/v1/lineage/export`.
///
/// ```yaml
/// lineage:
///   url: http://marquez.example.com:5000/api/v1/lineage
///   api_key: {env: MARQUEZ_API_KEY}     # sent as a Bearer token, when given
///   ca_file: /etc/autooptimize/marquez-ca.pem
/// ```
public struct LineageSettings: SettingsSection, Equatable {
    public static let key = "lineage"
    public var url: String
    public var apiKey: SettingSecret?
    public var caFile: String?
    public var timeoutSeconds = 10

    enum CodingKeys: String, CodingKey {
        case url
        case apiKey = "api_key"
        case caFile = "ca_file"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(url: String) { self.url = url }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8, !url.contains(where: \.isWhitespace) else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "url must be an http:// or https:// address")
        }
        apiKey = try container.decodeIfPresent(SettingSecret.self, forKey: .apiKey)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 10
        guard (1...600).contains(timeoutSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .timeoutSeconds, in: container, debugDescription: "timeout_seconds must be from 1 to 600")
        }
    }
}
