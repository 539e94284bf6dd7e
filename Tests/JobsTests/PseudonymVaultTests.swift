import Foundation
import SchedulerTesting
import Testing

@testable import Jobs

/// The vault: the same person the same token across runs and restarts, a token nobody can recompute from the data,
/// the person sealed, and an erasure that destroys the link.
@Suite struct PseudonymVaultTests {
    @Test func tokensAreStableRandomAndErasable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let amina = PseudonymVault.Identity.customer(name: "Amina Benali", email: "Amina.Benali@example.ma ", phone: "+212 600000001")
        let sameByEmail = PseudonymVault.Identity.customer(name: "A. Benali", email: "amina.benali@example.ma", phone: "")
        let byPhone = PseudonymVault.Identity.customer(name: "Thabo  Nkosi", email: "", phone: "+27 700000002")
        let first: [PseudonymVault.Identity: String]
        do {
            let vault = try PseudonymVault(directory: directory.url)
            first = try vault.tokens(for: [amina, byPhone])
            #expect(try vault.tokens(for: [sameByEmail])[sameByEmail] == first[amina], "the same email: the same person")
            #expect(try vault.tokens(for: [PseudonymVault.Identity.customer(name: "thabo nkosi", email: "", phone: "+27 700000002")]).values.first == first[byPhone])
        }
        // Reopened: the same tokens; the person behind one is sealed in the file, readable with the key only.
        let vault = try PseudonymVault(directory: directory.url)
        #expect(try vault.tokens(for: [amina, byPhone]) == first)
        let token = try #require(first[amina])
        #expect(token.hasPrefix("C-") && token.count == 22)
        #expect(try vault.reveal(token)?["customer_email"] == "Amina.Benali@example.ma ")
        let file = String(decoding: try Data(contentsOf: directory.appending("vault.sqlite")), as: UTF8.self)
        #expect(!file.contains("Benali") && !file.contains("example.ma"))
        // Another vault (another key) gives the same person another token: nothing to recompute from the data.
        let other = try TemporaryDirectory()
        defer { other.remove() }
        #expect(try PseudonymVault(directory: other.url).tokens(for: [amina])[amina] != token)
        // Erased: the link is gone; the person met again gets a new token.
        #expect(try vault.erase(token))
        #expect(try vault.reveal(token) == nil)
        #expect(try vault.tokens(for: [amina])[amina] != token)
        #expect(try vault.tokens(for: [.customer(name: " ", email: "", phone: "")]).isEmpty, "nobody gets no token")
    }

    @Test func aKeyOthersCanReadIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try PseudonymVault(directory: directory.url)
        let key = directory.appending("vault.key").path
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        #expect { try PseudonymVault(directory: directory.url) } throws: { "\($0)".contains("mode 600") }
    }
}
