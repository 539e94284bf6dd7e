import Yams

/// A decoded value with the line it was written on, for messages about it.
struct Located<Value: Decodable>: Decodable {
    let value: Value
    let line: Int?

    init(from decoder: any Decoder) throws {
        value = try Value(from: decoder)
        line = (decoder as? NodeValueDecoder)?.node.mark?.line
    }
}

/// A YAML subtree kept as it is, to be decoded later by whoever understands it
/// (a job kind's `with:` block).
struct RawNode: Decodable {
    let node: Node
    let path: [any CodingKey]

    init(from decoder: any Decoder) throws {
        guard let decoder = decoder as? NodeValueDecoder else {
            preconditionFailure("RawNode is only decoded by NodeDecoder")
        }
        node = decoder.node
        path = decoder.codingPath
    }
}
