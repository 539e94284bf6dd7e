import Testing

@testable import Jobs

/// The reader's string scan, eight bytes at a time over plain ASCII: whatever stands at whatever place in a word
/// is read as the byte-at-a-time scan reads it.
@Suite struct FlatJSONTests {
    private static let names = FlatJSON.Names(["v", "w"])

    private func values(_ bytes: [UInt8]) throws(FlatJSON.Failure) -> [FlatJSON.Value?] {
        try bytes.withUnsafeBufferPointer { bytes throws(FlatJSON.Failure) in try FlatJSON.values(bytes, of: Self.names) }
    }

    @Test func anythingAtAnyPlaceOfAWordIsReadAsItStands() throws {
        // (written in the JSON text, the text it stands for)
        let readable: [([UInt8], String)] = [
            (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\u00e9"#.utf8), "é"), (Array("é".utf8), "é"),
            (Array("€".utf8), "€"), ([0x7F], "\u{7F}"), ([0x20], " "), (Array("~".utf8), "~"),
        ]
        for length in 0..<24 {
            for place in 0...length {
                for (written, text) in readable {
                    let value = Array(repeating: UInt8(ascii: "a"), count: place) + written + Array(repeating: UInt8(ascii: "b"), count: length - place)
                    let json = Array(#"{"v": ""#.utf8) + value + Array(#"", "w": "after"}"#.utf8)
                    let found = try values(json)
                    let expected = String(repeating: "a", count: place) + text + String(repeating: "b", count: length - place)
                    #expect(found == [.string(expected), .string("after")], "\(length) \(place) \(text)")
                }
            }
        }
    }

    @Test func aControlCharacterOrBadUTF8AnywhereIsRefusedWhereItIs() {
        for length in 0..<24 {
            for place in 0...length {
                for bad: [UInt8] in [[0x0A], [0x00], [0x1F], [0xFF], [0xC3, 0x28]] {
                    let prefix = Array(#"{"w": 1, "v": ""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: place)
                    let json = prefix + bad + Array(repeating: UInt8(ascii: "b"), count: length - place) + Array(#""}"#.utf8)
                    do {
                        _ = try values(json)
                        Issue.record("\(bad) at \(place) of \(length) was accepted")
                    } catch {
                        if bad[0] < 0x20 {
                            #expect(error.message == "a control character in a string" && error.offset == prefix.count, "\(error)")
                        } else {
                            #expect(error.message == "invalid UTF-8 in a string", "\(error)")
                        }
                    }
                }
            }
        }
    }

    @Test func aStringCutShortAtAnyPlaceIsUnterminated() {
        for length in 0..<20 {
            let json = Array(#"{"v": ""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: length)
            #expect(throws: FlatJSON.Failure.self) { try values(json) }
        }
    }
}

/// What a slot holds, as a value the tests compare.
extension FlatJSON {
    enum Value: Equatable {
        case string(String)
        /// The number's literal text.
        case number(String)
        case bool(Bool)
        case null
        /// An object or array (validated, not kept).
        case nested
    }

    /// The value of each of `names` (nil when absent), as the stream finds them with `slots`.
    static func values(_ bytes: UnsafeBufferPointer<UInt8>, of names: Names) throws(Failure) -> [Value?] {
        var found = [Slot?](repeating: nil, count: names.names.count)
        try slots(bytes, of: names, into: &found)
        return found.map { slot in
            slot.map { slot in
                switch slot.kind {
                case .string: .string(text(of: slot, in: bytes))
                case .number: .number(text(of: slot, in: bytes))
                case .bool: .bool(bytes[slot.start] == UInt8(ascii: "t"))
                case .null: .null
                case .nested: .nested
                }
            }
        }
    }
}
