public import Scheduler

/// The settings file's `lake:` section. Without it the lake is `<data>/lake`; with `webhdfs`, it is on HDFS, reached
/// through the WebHDFS REST API.
///
/// ```yaml
/// lake:
///   webhdfs:
///     url: http://namenode.example.com:9870   # the namenode's HTTP(S) address
///     root: /autooptimize/lake                 # where the zones go (default)
///     user: etl                                # user.name, HDFS's simple authentication (optional)
///     ca_file: /etc/autooptimize/hdfs-ca.pem   # for https, besides the system's CAs (optional)
///     timeout_seconds: 300                     # a request's limit, uploads included (default 300)
/// ```
public struct LakeSettings: SettingsSection, Equatable {
    public static let key = "lake"
    public var webhdfs: WebHDFSSettings?
}

public struct WebHDFSSettings: Decodable, Sendable, Equatable {
    public var url: String
    public var root = "/autooptimize/lake"
    public var user: String?
    public var caFile: String?
    public var timeoutSeconds = 300

    enum CodingKeys: String, CodingKey {
        case url, root, user
        case caFile = "ca_file"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(url: String, root: String = "/autooptimize/lake", user: String? = nil) {
        self.url = url
        self.root = root
        self.user = user
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        while url.hasSuffix("/") { url.removeLast() }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8, !url.contains(where: \.isWhitespace), !url.contains("?") else {
            throw DecodingError.dataCorruptedError(
                forKey: .url, in: container, debugDescription: "url must be the namenode's http:// or https:// address, such as http://namenode:9870")
        }
        root = try container.decodeIfPresent(String.self, forKey: .root) ?? root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        guard root.hasPrefix("/"), root.count > 1, !root.split(separator: "/").contains(where: { [".", ".."].contains($0) || $0.contains(":") }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .root, in: container, debugDescription: "root must be an absolute HDFS path other than /, without . or .. or ':'")
        }
        user = try container.decodeIfPresent(String.self, forKey: .user)
        if let user, user.isEmpty || user.contains(where: { $0.isWhitespace || $0 == "&" || $0 == "=" || $0 == "/" }) {
            throw DecodingError.dataCorruptedError(forKey: .user, in: container, debugDescription: "user must be an HDFS user name")
        }
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
        guard (1...3600).contains(timeoutSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .timeoutSeconds, in: container, debugDescription: "timeout_seconds must be from 1 to 3600")
        }
    }
}
