import Foundation

/// Countries as the sales contract knows them: the assigned ISO 3166-1 alpha-2 codes, and the African ones with
/// their UN M49 subregion (the contract's section 3).
enum Countries {
    /// The 249 assigned alpha-2 codes (ISO 3166-1 as Debian's iso-codes 4.15 lists them; a test compares the two).
    static let assigned: Set<String> = Set("""
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
        BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
        DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
        GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
        KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
        MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
        PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
        SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """.split(whereSeparator: \.isWhitespace).map(String.init))

    /// UN M49's five African subregions and their countries and territories.
    static let africanRegions: [String: String] = {
        let members: [(region: String, codes: String)] = [
            ("Northern Africa", "DZ EG LY MA SD TN EH"),
            ("Western Africa", "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
            ("Eastern Africa", "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"),
            ("Middle Africa", "AO CM CF TD CG CD GQ GA ST"),
            ("Southern Africa", "BW SZ LS NA ZA"),
        ]
        var regions: [String: String] = [:]
        for (region, codes) in members {
            for code in codes.split(separator: " ") { regions[String(code)] = region }
        }
        return regions
    }()

    /// The code as the contract compares it (surrounding spaces trimmed, upper case), when it is assigned.
    static func code(_ text: String) -> String? {
        let utf8 = text.utf8
        // Most rows: two ASCII letters, nothing to trim.
        if utf8.count == 2, let first = utf8.first, let last = utf8.last, Self.isLetter(first), Self.isLetter(last) {
            let code = String(decoding: [first & 0xDF, last & 0xDF], as: UTF8.self)
            return assigned.contains(code) ? code : nil
        }
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        return assigned.contains(code) ? code : nil
    }

    /// A code as a number from two letters (`AA` is 0, `ZZ` 675): what the batch's rows carry instead of text.
    typealias Index = Int

    /// The assigned codes by index (nil where not assigned), and each one's African region (nil outside Africa).
    static let byIndex: [String?] = (0..<676).map { index in
        let code = String(decoding: [UInt8(65 + index / 26), UInt8(65 + index % 26)], as: UTF8.self)
        return assigned.contains(code) ? code : nil
    }
    static let regionByIndex: [String?] = byIndex.map { $0.flatMap { africanRegions[$0] } }

    /// `code(_:)` on the field's bytes, as an index: ASCII read in place (spaces and tabs trimmed, letters upper
    /// cased); anything else as `code(_:)` reads it.
    static func index(bytes: UnsafeBufferPointer<UInt8>) -> Index? {
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            return code(String(decoding: bytes, as: UTF8.self)).map { Array($0.utf8) }.flatMap { index($0[0], $0[1]) }
        }
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return end - start == 2 ? index(bytes[start], bytes[start + 1]) : nil
    }

    /// The index of two letters in either case, when they are an assigned code.
    private static func index(_ first: UInt8, _ second: UInt8) -> Index? {
        guard isLetter(first), isLetter(second) else { return nil }
        let index = Int(first & 0xDF - 65) * 26 + Int(second & 0xDF - 65)
        return byIndex[index] == nil ? nil : index
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
}
