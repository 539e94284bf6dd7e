import Scheduler
import Testing
import WebUI

@Suite struct FirstAdminTests {
    @Test func theFirstStartCreatesAnAdminOnceWithAOneTimePassword() async throws {
        let store = try Store.inMemory()
        let password = try #require(try await FirstAdmin.ensure(store: store, password: nil))
        #expect(password.count == 24)
        let admin = try #require(try store.user(named: "admin"))
        #expect(admin.role == .admin && !admin.passwordHash.contains(password))
        #expect(admin.mustChangePassword, "a generated password is for the first sign-in only")
        #expect(try await PasswordHasher.verify(password, against: admin.passwordHash))
        #expect(try await FirstAdmin.ensure(store: store, password: nil) == nil)
        #expect(try store.userCount() == 1)
    }

    @Test func aPasswordFromTheEnvironmentIsUsedAndNotPrinted() async throws {
        let store = try Store.inMemory()
        #expect(try await FirstAdmin.ensure(store: store, password: "from the environment") == nil)
        let admin = try #require(try store.user(named: "admin"))
        #expect(try await PasswordHasher.verify("from the environment", against: admin.passwordHash))
        #expect(admin.mustChangePassword, "a password that sat in an environment is for the first sign-in only")
    }

    @Test func aPasswordFromTheEnvironmentObeysTheRules() async throws {
        let store = try Store.inMemory()
        for weak in ["short", String(repeating: "é", count: 40), "twelve chars\u{0}and more"] {
            await #expect(throws: FirstAdminError.self) { try await FirstAdmin.ensure(store: store, password: weak) }
        }
        #expect(try store.userCount() == 0)
    }
}
