import Foundation
import Testing

@testable import Jobs

/// The batch's exact decimals: parsed as the contract's plain decimals, multiplied without loss, written as `Decimal`
/// writes them, and equal to `Decimal`'s own results wherever both work.
@Suite struct ExactAmountTests {
    @Test(arguments: ["0", "1", "12.50", "3.00", "0.000612", "23450.00", "99999999999999999999.999999999999999999", "007.10"])
    func parsedAndWrittenAsDecimalDoes(text: String) throws {
        let amount = try #require(ExactAmount.parse(text))
        let decimal = try #require(Decimal(plain: text))
        #expect(amount.text == "\(decimal)", "\(text)")
        #expect(amount.decimal == decimal, "\(text)")
    }

    @Test(arguments: ["", ".", "1.", ".5", "1.2.3", "-1", "+1", "1e5", "1,000", " 1", "1 ", "١٢", "123456789012345678901234567890123456789"])
    func notPlainDecimalsAreRefused(text: String) {
        #expect(ExactAmount.parse(text) == nil, "\(text)")
    }

    @Test func productsAreExactAndOverflowIsSaid() throws {
        let price = try #require(ExactAmount.parse("23450.05"))
        let rate = try #require(ExactAmount.parse("0.000612345"))
        let revenue = try #require(price.times(rate)?.times(3))
        #expect(revenue.decimal == Decimal(3) * Decimal(plain: "23450.05")! * Decimal(plain: "0.000612345")!)
        #expect(revenue.text == "43.07856260175")
        let huge = try #require(ExactAmount.parse("99999999999999999999999999999999999999"))
        #expect(huge.times(huge) == nil)
    }
}
