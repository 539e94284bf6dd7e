import Foundation
import Yams

/// The `Decoder` behind `NodeDecoder`: one per node.
struct NodeValueDecoder: Decoder {
    let node: Node
    let codingPath: [any CodingKey]
    let context: NodeDecoder.Context
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func fail(_ message: String, at node: Node? = nil) -> NodeDecodingError {
        NodeDecodingError(line: (node ?? self.node).mark?.line, path: codingPath, message: message)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, found \(node.kindName)") }
        context.mappings.append(.init(path: codingPath, mapping: mapping))
        return KeyedDecodingContainer(
            KeyedNodeContainer<Key>(decoder: self, mapping: mapping, record: context.mappings.count - 1))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else { throw fail("expected a list, found \(node.kindName)") }
        return UnkeyedNodeContainer(decoder: self, items: Array(sequence))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNodeContainer(decoder: self) }

    func child(_ node: Node, key: any CodingKey) -> NodeValueDecoder {
        NodeValueDecoder(node: node, codingPath: codingPath + [key], context: context)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeValueDecoder
    let mapping: Node.Mapping
    let record: Int
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        let names = mapping.keys.compactMap(\.string)
        decoder.context.mappings[record].asked.formUnion(names)
        return names.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        decoder.context.mappings[record].asked.insert(key.stringValue)
        return mapping[key.stringValue] != nil
    }

    private func child(_ key: Key) throws -> NodeValueDecoder {
        decoder.context.mappings[record].asked.insert(key.stringValue)
        guard let node = mapping[key.stringValue] else {
            let present = mapping.keys.compactMap(\.string).filter { !decoder.context.mappings[record].asked.contains($0) }
            let hint = NearMiss.closest(to: key.stringValue, among: present).map { " (found \"\($0)\": a misspelling?)" } ?? ""
            throw decoder.fail("missing required key \"\(key.stringValue)\"\(hint)")
        }
        return decoder.child(node, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard contains(key), let node = mapping[key.stringValue] else { return true }
        return node == Node("null", Tag(.null)) || node.null != nil
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: child(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), let node = mapping[key.stringValue], node.null == nil else { return nil }
        return try T(from: decoder.child(node, key: key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeValueDecoder
    let items: [Node]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> NodeValueDecoder {
        guard !isAtEnd else { throw decoder.fail("the list has too few items") }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: AnyCodingKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].null != nil else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    private func scalar(_ expected: String) throws -> Node.Scalar {
        guard case .scalar(let scalar) = decoder.node else {
            throw decoder.fail("expected \(expected), found \(decoder.node.kindName)")
        }
        return scalar
    }

    private func convert<T>(_ expected: String, _ read: (Node) -> T?) throws -> T {
        _ = try scalar(expected)
        guard let value = read(decoder.node) else {
            throw decoder.fail("expected \(expected), found \(decoder.node.kindName)")
        }
        return value
    }

    func decodeNil() -> Bool { decoder.node.null != nil }
    func decode(_ type: Bool.Type) throws -> Bool { try convert("true or false", \.bool) }
    func decode(_ type: String.Type) throws -> String { try scalar("a text").string }
    func decode(_ type: Double.Type) throws -> Double { try convert("a number", \.float) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try convert("a whole number", \.int) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try narrow(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }

    private func narrow<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = T(exactly: try decode(Int.self)) else {
            throw decoder.fail("\(decoder.node.kindName) is out of range for \(T.self)")
        }
        return value
    }
}
