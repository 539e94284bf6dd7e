import Foundation
import Testing

@testable import Jobs

/// The seller figures of the contract's section 5, against the generator's independent computation.
@Suite struct SalesFiguresTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sales-events")

    private func messages() throws -> [(key: String, value: [UInt8])] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("events.tsv"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let tab = line.firstIndex(of: "\t")!
            return (String(line[..<tab]), Array(line[line.index(after: tab)...].utf8))
        }
    }

    private func rates() throws -> FXRates {
        try FXRates(csv: String(contentsOf: Self.fixtures.appendingPathComponent("fx_rates.csv"), encoding: .utf8))
    }

    private func expected() throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent("expected/seller_kpis.csv"), encoding: .utf8)
    }

    @Test func theFixturesFiguresAreExactlyTheExpectedCSV() throws {
        var book = SellerFiguresBook()
        let rates = try rates()
        let all = try messages()
        for message in all { book.apply(message.value, rates: rates) }
        #expect(SellerFigures.csv(book.sellers) == (try expected()))
        #expect(book.duplicates > 0, "the fixture redelivers some events")
        #expect(!book.rejected.isEmpty, "the fixture has bad messages")
    }

    @Test func anEventParsedWithoutItsDetailsIsTheSameEventAndBadOnesTheSameRejection() throws {
        let rates = try rates()
        var compared = 0
        for message in try messages() {
            let full = Result { () throws(SaleEvent.Rejection) in try SaleEvent.parse(message.value, rates: rates) }
            let lean = Result { () throws(SaleEvent.Rejection) in try SaleEvent.parse(message.value, rates: rates, details: false) }
            switch (full, lean) {
            case (.success(let full), .success(let lean)):
                #expect(lean.details == nil && full.details != nil)
                #expect(SaleEvent(
                    eventID: full.eventID, kind: full.kind, epochSeconds: full.epochSeconds, dealID: full.dealID, sellerID: full.sellerID,
                    sellerName: full.sellerName, revenue: full.revenue, details: nil) == lean)
                compared += 1
            case (.failure(let full), .failure(let lean)): #expect(full == lean)
            default: Issue.record("\(message.key): \(full) but without details \(lean)")
            }
        }
        #expect(compared > 0)
        // A type or a time written with escapes is read as its text.
        let escaped = Array(#"{"event_id": "e1", "type": "deal\u005fwon", "occurred_at": "2025-03-02T10:00:00\u005A", "deal_id": "D1", "seller_id": "S1", "seller_name": "Amina", "dealer_id": "DL1", "country": "MA", "amount": 10, "currency": "MAD"}"#.utf8)
        let event = try SaleEvent.parse(escaped, rates: try FXRates(csv: "month,currency,usd_per_unit\n2025-03,MAD,0.1\n"))
        #expect(event.kind == .dealWon && event.epochSeconds == 1_740_909_600 && event.details?.month == "2025-03")
        #expect(event.details?.occurredAt == "2025-03-02T10:00:00Z" && event.revenueUSD == 1)
    }

    @Test(arguments: [1, 2, 3]) func anyOrderOfTheMessagesGivesTheSameFigures(seed: UInt64) throws {
        var generator = SplitMix(seed: seed)
        var book = SellerFiguresBook()
        let rates = try rates()
        for message in try messages().shuffled(using: &generator) { book.apply(message.value, rates: rates) }
        #expect(SellerFigures.csv(book.sellers) == (try expected()))
    }

    @Test func everyBadMessageOfTheFixtureHasItsReason() throws {
        var book = SellerFiguresBook()
        let rates = try rates()
        let all = try messages()
        for message in all { book.apply(message.value, rates: rates) }
        let bad = all.filter { $0.key == "S-XX-01" }.map { String(decoding: $0.value, as: UTF8.self) }
        let expectedCodes = bad.map { $0 == "{not json" ? "invalid_json" : $0.contains("deal_teleported") ? "unknown_type" : "missing_field" }
        #expect(book.rejected.map(\.code).sorted() == expectedCodes.sorted())
    }

    @Test func hostileMessagesAreRejectedWithAReasonThatSaysWhat() throws {
        let rates = try FXRates(csv: "month,currency,usd_per_unit\n2025-03,MAD,0.1\n")
        let base = #""event_id": "e1", "type": "deal_won", "occurred_at": "2025-03-02T10:00:00Z", "deal_id": "D1", "seller_id": "S1", "seller_name": "Amina", "dealer_id": "DL1", "country": "MA""#
        let cases: [([UInt8], String)] = [
            (Array("{\(base), \"amount\": -5, \"currency\": \"MAD\"}".utf8), "bad_amount"),
            (Array("{\(base), \"amount\": \"12\", \"currency\": \"MAD\"}".utf8), "bad_amount"),
            (Array("{\(base), \"amount\": 0, \"currency\": \"MAD\"}".utf8), "bad_amount"),
            (Array("{\(base), \"currency\": \"MAD\"}".utf8), "missing_field"),
            (Array("{\(base), \"amount\": 10, \"currency\": \"XYZ\"}".utf8), "unknown_currency"),
            (Array("{\(base.replacingOccurrences(of: "2025-03-02", with: "2025-02-27")), \"amount\": 10, \"currency\": \"MAD\"}".utf8), "no_fx_rate"),
            (Array("{\(base.replacingOccurrences(of: "2025-03-02T10", with: "2025-02-30T10")), \"amount\": 10, \"currency\": \"MAD\"}".utf8), "bad_timestamp"),
            (Array("{\(base), \"amount\": 10, \"currency\": \"MAD\"} trailing".utf8), "invalid_json"),
            (Array("{\"event_id\": \"\u{1}\"}".utf8), "invalid_json"),
            (Array("{\(base), \"seller_name\": \"\u{FF}\"}".utf8).map { $0 == 0xC3 ? 0xFF : $0 }, "invalid_utf8"),
            (Array("{\(base), \"amount\": 10, \"currency\": \"MAD\", \"x\": \"\\ud800\"}".utf8), "invalid_json"),
            (Array("{\(base), \"amount\": 10, \"currency\": \"MAD\", \"x\": \(String(repeating: "[", count: 100))}".utf8), "invalid_json"),
            (Array("{\(base), \"seller_id\": 42, \"amount\": 1, \"currency\": \"MAD\"}".utf8), "bad_field"),
            (Array("{\"pad\": \"\(String(repeating: "x", count: 70_000))\"}".utf8), "too_large"),
            ([], "invalid_json"),
            (Array("[1, 2]".utf8), "invalid_json"),
        ]
        for (value, code) in cases {
            #expect(throws: SaleEvent.Rejection.self, "\(code)") { try SaleEvent.parse(value, rates: rates) }
            do { _ = try SaleEvent.parse(value, rates: rates) } catch { #expect(error.code == code, "\(error)") }
        }
        // Extra members, nested values and escapes are fine; the amount converts exactly at the month's rate.
        let good = Array("{\(base), \"amount\": 215000.10, \"currency\": \"MAD\", \"meta\": {\"a\": [1, {\"b\": null}]}, \"note\": \"caf\\u00e9 \\ud83d\\ude97\"}".utf8)
        let event = try SaleEvent.parse(good, rates: rates)
        #expect(event.revenueUSD == Decimal(string: "21500.01"))
        #expect(event.sellerName == "Amina")
    }

    @Test func membersAreFoundHoweverTheirNamesAreWrittenAndOnlyBadTextAnywhereIsRefused() throws {
        let rates = try FXRates(csv: "month,currency,usd_per_unit\n2025-03,MAD,0.1\n")
        // A name written with escapes is the same name; the last of a repeated name wins; non-ASCII text is kept.
        let escaped = Array(#"{"event\u005fid": "e1", "type": "deal_opened", "occurred_at": "2025-03-02T10:00:00Z", "deal_id": "D1", "seller_id": "S0", "seller_id": "S1", "seller_name": "Zoë \"Z\" Ndiaye", "dealer_id": "DL1", "country": "MA", "extra": ["é", {"seller_id": "nested"}]}"#.utf8)
        let event = try SaleEvent.parse(escaped, rates: rates)
        #expect(event.eventID == .text("e1"))
        #expect(event.sellerID == "S1")
        #expect(event.sellerName == "Zoë \"Z\" Ndiaye")
        // Invalid UTF-8 in a member nobody reads is still invalid UTF-8.
        var broken = Array(#"{"note": "caf"#.utf8) + [0xC3, 0x28] + Array(#"", "event_id": "e1"}"#.utf8)
        do {
            _ = try SaleEvent.parse(broken, rates: rates)
            Issue.record("invalid UTF-8 was accepted")
        } catch { #expect(error.code == "invalid_utf8" && error.detail.contains("at byte 10"), "\(error)") }
        broken = Array(#"{"note": {"a": "\u12"}}"#.utf8)
        do {
            _ = try SaleEvent.parse(broken, rates: rates)
            Issue.record("a bad escape was accepted")
        } catch { #expect(error.code == "invalid_json", "\(error)") }
    }

    @Test func anEventsMonthIsItsUTCMonthAndItsRateTheLatestNotAfterIt() throws {
        #expect(EventTime.utcMonth("2025-03-01T00:30:00+01:00") == "2025-02")
        #expect(EventTime.utcMonth("2025-12-31T23:30:00-01:00") == "2026-01")
        #expect(EventTime.utcMonth("2024-02-29T12:00:00.123Z") == "2024-02")
        #expect(EventTime.utc("2025-06-01T10:15:00+02:00")?.epochSeconds == 1_748_765_700)
        #expect(EventTime.utc("1970-01-01T00:30:00+01:00")?.epochSeconds == -1800)
        #expect(EventTime.utc("1970-01-01T00:30:00+01:00")?.month == "1969-12")
        for bad in ["2025-02-29T12:00:00Z", "2025-03-01T24:00:00Z", "2025-03-01T12:00:60Z", "2025-03-01 12:00:00Z", "2025-03-01T12:00:00", "2025-03-01T12:00:00+24:00"] {
            #expect(EventTime.utcMonth(bad) == nil, "\(bad)")
        }
        let rates = try FXRates(csv: "month,currency,usd_per_unit\n2025-01,ZAR,0.054\n2025-03,ZAR,0.056\n")
        #expect(rates.rate("ZAR", month: "2025-02") == Decimal(string: "0.054"))
        #expect(rates.rate("ZAR", month: "2025-04") == Decimal(string: "0.056"))
        #expect(rates.rate("ZAR", month: "2024-12") == nil)
        #expect(rates.rate("USD", month: "1999-01") == 1)
        #expect(throws: FXRates.Failure.self) { try FXRates(csv: "month,currency,usd_per_unit\n2025-01,ZAR,-1\n") }
    }

    @Test func amountsAreReadExactlyAsWritten() {
        for literal in ["0.05", "215000.10", "100", "0", "12345678901234567.89", "1234567890123456789012.5", "1.5e3", "-3.25", "0.000001"] {
            #expect(ExactDecimal.parse(literal) == Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")), "\(literal)")
        }
    }

    @Test func aSumKeptAsTextReadsBackToTheSameValue() throws {
        var sum = try #require(ExactSum(text: "0.1"))
        sum.add(try #require(ExactSum(text: "0.2")))
        #expect(sum.text == "0.3" && sum.decimal == Decimal(string: "0.3"))
        // Finer than 20 places, or beyond 128 bits, it is carried by a Decimal and still written exactly.
        let fine = try #require(ExactSum(text: "0.0000000000000000000001"))
        #expect(ExactSum(text: fine.text)?.decimal == fine.decimal && fine.decimal == Decimal(string: "0.0000000000000000000001"))
        var large = try #require(ExactSum(text: "99999999999999999"))
        large.add(try #require(ExactSum(text: "1.5")))
        #expect(large.text == "100000000000000000.5")
        #expect(ExactSum(text: "12abc") == nil)
    }

    @Test func moneyIsRoundedHalfToEvenOnlyWhenShown() {
        #expect(SellerFigures.cents(Decimal(string: "0.125")!) == "0.12")
        #expect(SellerFigures.cents(Decimal(string: "0.135")!) == "0.14")
        #expect(SellerFigures.cents(Decimal(string: "1000000")!) == "1000000.00")
        #expect(SellerFigures.cents(0) == "0.00")
        #expect(SellerFigures.quoted("Ndiaye, Awa") == "\"Ndiaye, Awa\"")
    }
}

/// An event time's UTC month and instant from text, as the parse reads them from a message's bytes.
extension EventTime {
    static func utc(_ text: String) -> (month: String, epochSeconds: Int64)? {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            utcParts(bytes: bytes).map { (monthText($0.year, $0.month), $0.epochSeconds) }
        }
    }

    static func utcMonth(_ text: String) -> String? { utc(text)?.month }
}
