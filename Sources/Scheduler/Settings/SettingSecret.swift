import Foundation

/// A secret the settings file points at, never holds: `{env: VARIABLE}` (read from the daemon's environment) or
/// `{file: PATH}` (a file only the daemon's user may read, its content without the final newline). A plain string
/// is refused where it is written, so that a password never sits in a file that gets shared or committed.
///
/// ```yaml
/// elasticsearch:
///   password: {env: ES_PASSWORD}
/// ```
public struct SettingSecret: Decodable, Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    public let source: Source

    public init(_ source: Source) { self.source = source }

    enum CodingKeys: String, CodingKey {
        case env, file
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self), !text.isEmpty {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a secret is never written in the settings file: give it as {env: VARIABLE} or {file: PATH}"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let env = try container.decodeIfPresent(String.self, forKey: .env)
        let file = try container.decodeIfPresent(String.self, forKey: .file)
        switch (env, file) {
        case (let name?, nil) where !name.isEmpty: source = .environment(name)
        case (nil, let path?) where !path.isEmpty: source = .file(path)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "give exactly one of env: VARIABLE or file: PATH"))
        }
    }

    /// The secret's value, read now.
    /// - Throws: `SettingSecretError` naming the variable or file when it is missing, unreadable or readable by others.
    /// - Parameter environment: the daemon's environment when nil.
    public func resolve(environment given: [String: String]? = nil) throws -> String {
        let environment = given ?? ProcessInfo.processInfo.environment
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SettingSecretError(description: "the environment variable \(name) is not set (or empty)")
            }
            return value
        case .file(let path):
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue,
                let data = FileManager.default.contents(atPath: path)
            else {
                throw SettingSecretError(description: "the secret file \(path) cannot be read")
            }
            guard permissions & 0o077 == 0 else {
                throw SettingSecretError(
                    description: "the secret file \(path) can be read by others (mode \(String(permissions & 0o777, radix: 8))): chmod 600 it")
            }
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.unicodeScalars.last, last == "\n" || last == "\r" { text.unicodeScalars.removeLast() }
            guard !text.isEmpty else { throw SettingSecretError(description: "the secret file \(path) is empty") }
            return text
        }
    }
}

public struct SettingSecretError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}
