import Foundation

/// A typed parameter a pipeline accepts, with its default.
///
/// Manual runs, backfills and API triggers give values as text; `coerce` turns
/// them into typed values or says exactly why not.
public struct ParamSpec: Sendable, Equatable {
    public enum ValueType: String, Sendable, CaseIterable {
        case string, integer, number, boolean, date
    }

    public let name: String
    public let type: ValueType
    /// `nil` makes the parameter required.
    public let defaultValue: ParamValue?
    public let allowed: [ParamValue]?
    public let description: String?

    public init(name: String, type: ValueType, defaultValue: ParamValue?, allowed: [ParamValue]? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.description = description
    }

    /// Reads `text` as a value of this parameter's type.
    /// - Throws: `ParamError` saying which parameter and what was expected.
    public func coerce(_ text: String) throws(ParamError) -> ParamValue {
        let value: ParamValue? =
            switch type {
            case .string: .string(text)
            case .integer: Int(text).map(ParamValue.integer)
            case .number: Double(text).map(ParamValue.number)
            case .boolean: ["true": true, "false": false][text.lowercased()].map(ParamValue.boolean)
            case .date: Self.isDate(text) ? .string(text) : nil
            }
        guard let value else { throw ParamError(name: name, message: "\"\(text)\" is not \(type.article) \(type.rawValue)\(type == .date ? " (YYYY-MM-DD)" : "")") }
        return try check(value)
    }

    /// Checks a typed value (from YAML or JSON) against the type and the allowed list.
    /// Text given for a typed param (as the CLI and query strings give it) is read as that type.
    public func check(_ value: ParamValue) throws(ParamError) -> ParamValue {
        if case .string(let text) = value, type != .string, type != .date { return try coerce(text) }
        let typed: ParamValue? =
            switch (type, value) {
            case (.string, .string), (.integer, .integer), (.number, .number), (.boolean, .boolean): value
            case (.number, .integer(let whole)): .number(Double(whole))
            case (.date, .string(let text)) where Self.isDate(text): value
            default: nil
            }
        guard let typed else { throw ParamError(name: name, message: "\(value) is not \(type.article) \(type.rawValue)") }
        if let allowed, !allowed.contains(typed) {
            throw ParamError(name: name, message: "\(typed) is not one of \(allowed.map(\.description).joined(separator: ", "))")
        }
        return typed
    }

    private static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}

extension ParamSpec.ValueType {
    fileprivate var article: String { self == .integer ? "an" : "a" }
}

/// A parameter value that does not fit its declaration.
public struct ParamError: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let message: String
    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }
    public var description: String { "param \"\(name)\": \(message)" }
}

extension Array where Element == ParamSpec {
    /// Resolves the values of a run: given ones checked, defaults filled in, unknown and missing ones refused.
    public func resolve(_ given: [String: ParamValue]) throws(ParamError) -> [String: ParamValue] {
        for name in given.keys.sorted() where !contains(where: { $0.name == name }) {
            let known = map(\.name).joined(separator: ", ")
            throw ParamError(name: name, message: "unknown param (params: \(known.isEmpty ? "none" : known))")
        }
        var resolved: [String: ParamValue] = [:]
        for spec in self {
            if let value = given[spec.name] {
                resolved[spec.name] = try spec.check(value)
            } else if let value = spec.defaultValue {
                resolved[spec.name] = value
            } else {
                throw ParamError(name: spec.name, message: "required and has no default")
            }
        }
        return resolved
    }

    /// Like `resolve`, from `name=value` texts as the CLI and query strings give them.
    public func resolve(texts: [String: String]) throws(ParamError) -> [String: ParamValue] {
        var typed: [String: ParamValue] = [:]
        for (name, text) in texts {
            guard let spec = first(where: { $0.name == name }) else {
                return try resolve([name: .string(text)])
            }
            typed[name] = try spec.coerce(text)
        }
        return try resolve(typed)
    }
}
