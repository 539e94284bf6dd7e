import Foundation

extension Decimal {
    /// Decimal text as the store and the contract's files write it (a `.` point, whatever the locale), exactly.
    init?(plain text: String) {
        self.init(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}
