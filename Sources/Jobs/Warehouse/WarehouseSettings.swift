public import Scheduler

/// The settings file's `warehouse:` section. Without it the warehouse is `<data>/warehouse.sqlite`; with `sqlserver`,
/// SQL Server through FreeTDS.
///
/// ```yaml
/// warehouse:
///   sqlserver:
///     host: sql.example.com
///     port: 1433                               # default
///     database: sales
///     user: autooptimize
///     password: {env: SQLSERVER_PASSWORD}      # or {file: …} (mode 600); never the value itself
///     schema: dbo                              # default
///     encryption: require                      # FreeTDS's: off, request or require (default: FreeTDS's own, request)
///     ca_file: /etc/autooptimize/sql-ca.pem    # the CA that signed the server's certificate (with encryption)
///     timeout_seconds: 300                     # a statement's limit, the bulk copy included
/// ```
public struct WarehouseSettings: SettingsSection, Equatable {
    public static let key = "warehouse"
    public var sqlserver: SQLServerSettings?
}

public struct SQLServerSettings: Decodable, Sendable, Equatable {
    public var host: String
    public var port = 1433
    public var database: String
    public var user: String
    public var password: SettingSecret
    public var schema = "dbo"
    public var encryption: String?
    public var caFile: String?
    public var timeoutSeconds = 300

    enum CodingKeys: String, CodingKey {
        case host, port, database, user, password, schema, encryption
        case caFile = "ca_file"
        case timeoutSeconds = "timeout_seconds"
    }

    public init(host: String, port: Int = 1433, database: String, user: String, password: SettingSecret) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func name(_ key: CodingKeys, _ value: String, _ what: String) throws -> String {
            guard !value.isEmpty, value.count <= 128, !value.contains(where: { $0.isWhitespace || "[]';\"\\".contains($0) }) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.rawValue) must be \(what)")
            }
            return value
        }
        host = try name(.host, try container.decode(String.self, forKey: .host), "a host name or address")
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? port
        guard (1...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "port must be from 1 to 65535")
        }
        database = try name(.database, try container.decode(String.self, forKey: .database), "a database name")
        user = try name(.user, try container.decode(String.self, forKey: .user), "a SQL Server login name")
        password = try container.decode(SettingSecret.self, forKey: .password)
        schema = try name(.schema, try container.decodeIfPresent(String.self, forKey: .schema) ?? schema, "a schema name")
        encryption = try container.decodeIfPresent(String.self, forKey: .encryption)
        if let encryption, !["off", "request", "require", "strict"].contains(encryption) {
            throw DecodingError.dataCorruptedError(forKey: .encryption, in: container, debugDescription: "encryption must be off, request, require or strict")
        }
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
        guard (1...3600).contains(timeoutSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .timeoutSeconds, in: container, debugDescription: "timeout_seconds must be from 1 to 3600")
        }
    }

    /// Whether FreeTDS needs a configuration file of ours: its TLS settings have no db-lib call.
    public var needsFreeTDSConfiguration: Bool { encryption != nil || caFile != nil }

    /// The `freetds.conf` section for this server (`[autooptimize-warehouse]`).
    public var freeTDSConfiguration: String {
        var lines = ["[\(Self.freeTDSSection)]", "\thost = \(host)", "\tport = \(port)", "\ttds version = 7.4"]
        if let encryption { lines.append("\tencryption = \(encryption)") }
        if let caFile { lines.append("\tca file = \(caFile)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public static let freeTDSSection = "autooptimize-warehouse"
}
