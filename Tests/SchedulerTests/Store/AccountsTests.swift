import Foundation
import GRDB
@testable import Scheduler
import Testing

@Suite struct AccountsTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test(arguments: [
        (Role.viewer, [Permission.read]), (.operator, [.read, .operate]), (.auditor, [.read, .audit]),
        (.admin, [.read, .operate, .administer, .audit]),
    ])
    func rolesGrantTheirPermissionsOnly(role: Role, granted: [Permission]) {
        #expect(Permission.allCases.filter(role.allows) == granted)
    }

    @Test func aTokenScopedToPipelinesActsOnThoseOnly() {
        let ci = Principal(name: "ci", role: .operator, kind: .apiToken(id: 1), pipelines: [PipelineID("africa")])
        #expect(ci.may(.operate, for: .pipeline(PipelineID("africa"))))
        #expect(!ci.may(.operate, for: .pipeline(PipelineID("stream"))))
        #expect(!ci.may(.administer, for: .filtered))
        // What concerns every pipeline, or cannot be tied to one, is refused to a scoped token (fail closed).
        #expect(!ci.may(.read, for: .everything))
        #expect(ci.may(.read, for: .filtered))
    }

    @Test func nobodyCoversACredentialWiderThanThemselves() {
        let scopedAdmin = Principal(name: "t", role: .admin, kind: .apiToken(id: 1), pipelines: [PipelineID("a"), PipelineID("b")])
        #expect(scopedAdmin.covers(role: .operator, pipelines: [PipelineID("a")]))
        #expect(!scopedAdmin.covers(role: .operator, pipelines: nil))
        #expect(!scopedAdmin.covers(role: .viewer, pipelines: [PipelineID("c")]))
        let operatorUser = Principal(name: "o", role: .operator, kind: .user)
        #expect(operatorUser.covers(role: .viewer, pipelines: nil))
        #expect(!operatorUser.covers(role: .auditor, pipelines: nil))
        #expect(!operatorUser.covers(role: .admin, pipelines: [PipelineID("a")]))
        #expect(Role.admin.includes(.auditor) && !Role.auditor.includes(.operator))
    }

    @Test func usersAreUniqueByName() throws {
        let store = try Store.inMemory()
        let ana = try store.createUser(User(name: "ana", role: .admin, passwordHash: "$2b$hash", createdAt: now))
        #expect(try store.user(named: "ana") == ana)
        #expect(throws: StoreError.self) { try store.createUser(User(name: "ana", role: .viewer, passwordHash: "x", createdAt: now)) }
        #expect(try store.userCount() == 1)
    }

    @Test func tokensAreFoundByDigestAndStopWorkingWhenRevokedOrExpired() throws {
        let store = try Store.inMemory()
        let secret = SecretToken.generate(prefix: "ao_")
        let token = try store.createToken(APIToken(
            name: "ci", digest: SecretToken.digest(secret), role: .operator, pipelines: [PipelineID("africa")], createdBy: "ana",
            createdAt: now, expiresAt: now.addingTimeInterval(3600)))
        let found = try #require(try store.token(digest: SecretToken.digest(secret)))
        #expect(found == token && found.pipelines == [PipelineID("africa")])
        #expect(found.isValid(at: now) && !found.isValid(at: now.addingTimeInterval(3600)))
        #expect(try store.revokeToken(id: token.id, at: now))
        #expect(try store.token(digest: SecretToken.digest(secret))?.isValid(at: now) == false)
        #expect(try !store.revokeToken(id: 999, at: now))
        // The store never holds the secret itself.
        #expect(!found.digest.contains(secret) && secret.hasPrefix("ao_") && secret.count == 67)
    }

    @Test func auditTrailIsChainedAndAppendOnly() throws {
        let store = try Store.inMemory()
        for action in ["login", "trigger", "token.create"] {
            try store.appendAudit(AuditEvent(
                at: now, actor: "ana", role: "admin", action: action, target: "pipeline africa", address: "127.0.0.1", outcome: "ok"))
        }
        #expect(try store.verifyAuditChain() == nil)
        // The schema refuses edits and deletions.
        #expect(throws: StoreError.self) {
            do { try store.writer.write { try $0.execute(sql: "UPDATE auditEvent SET actor = 'eve' WHERE id = 2") } } catch {
                throw StoreError(doing: "tamper", underlying: error)
            }
        }
        // Someone with the file in hand can drop the guard, but the chain shows where the edit is.
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER auditEvent_noUpdate")
            try db.execute(sql: "UPDATE auditEvent SET actor = 'eve' WHERE id = 2")
        }
        #expect(try store.verifyAuditChain() == 2)
    }
}

/// An audit entry commits with the change it records: when the entry cannot be written, the change is not made.
@Suite struct AuditInTheSameTransactionTests {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)

    private func record(_ action: String) -> AuditRecord {
        AuditRecord(AuditEvent(at: now, actor: "ana", role: "admin", action: action, target: "t", address: "127.0.0.1", outcome: "ok"))
    }

    /// Makes every audit insert fail, as a full disk or a broken trail would.
    private func breakTheTrail(_ store: Store) throws {
        try store.writer.write { db in
            try db.execute(sql: "CREATE TRIGGER auditEvent_broken BEFORE INSERT ON auditEvent BEGIN SELECT RAISE(ABORT, 'the trail is broken'); END")
        }
    }

    @Test func aChangeWhoseAuditCannotBeWrittenIsNotMade() throws {
        let store = try Store.inMemory()
        try breakTheTrail(store)
        let user = User(name: "bob", role: .viewer, passwordHash: "x", createdAt: now)
        let creation = record("user.create")
        #expect(throws: StoreError.self) { try store.createUser(user, audit: creation) }
        #expect(try store.user(named: "bob") == nil)
        #expect(!creation.isWritten)
        let token = APIToken(name: "ci", digest: "d", role: .viewer, pipelines: nil, createdBy: "ana", createdAt: now)
        #expect(throws: StoreError.self) { try store.createToken(token, audit: record("token.create")) }
        #expect(try store.tokens().isEmpty)
        let run = Run(id: RunID(1), pipeline: PipelineID("p"), trigger: .manual, logicalDate: now, state: .queued, createdAt: now)
        #expect(throws: StoreError.self) { try store.applyNow([.createRun(run, taskRuns: []), .appendAudit(record("run.trigger"))]) }
        #expect(try store.run(RunID(1)) == nil)
    }

    @Test func aCommittedChangeHasItsEntryAndTheTokenIdInItsTarget() throws {
        let store = try Store.inMemory()
        let creation = record("token.create")
        creation.describe("\"ci\" (role viewer)")
        let token = try store.createToken(
            APIToken(name: "ci", digest: "d", role: .viewer, pipelines: nil, createdBy: "ana", createdAt: now), audit: creation)
        #expect(creation.isWritten)
        #expect(try store.auditEvents().map(\.target) == ["token \(token.id) \"ci\" (role viewer)"])
        // A refused update writes nothing, its entry included (the caller records the refusal on its own).
        let update = record("user.update")
        #expect(try store.updateUser(User(id: 99, name: "ghost", role: .viewer, passwordHash: "x", createdAt: now), audit: update) == .unknownUser)
        #expect(!update.isWritten)
        #expect(try store.auditEvents().count == 1)
    }
}
