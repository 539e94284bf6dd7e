import Foundation
import Testing

@testable import Scheduler

/// A job's error as its attempt's reason: Foundation's file errors say the system's words and the path, not
/// "error 512"; other errors as they describe themselves.
@Suite struct FailureTextTests {
    @Test func aFileErrorSaysTheSystemsWordsAndThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/sales.csv"
        do {
            try "x".write(toFile: path, atomically: false, encoding: .utf8)
            Issue.record("the write was expected to fail")
        } catch {
            #expect(FailureText.describe(error) == "\(path): No such file or directory", "\(error)")
        }
    }

    @Test func otherErrorsDescribeThemselves() {
        struct Refused: Error, CustomStringConvertible { var description: String { "the warehouse refused the load" } }
        #expect(FailureText.describe(Refused()) == "the warehouse refused the load")
    }
}
