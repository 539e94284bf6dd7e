import Foundation
import GRDB

// MARK: - The audit trail: append-only, hash-chained

extension Store {
    /// Appends an event on its own (a refusal, or a request that changed nothing), chained to the previous one.
    @discardableResult
    public func appendAudit(_ event: AuditEvent) throws(StoreError) -> AuditEvent {
        try write("record the audit event \(event.action) on \(event.target)") { db in try Self.insertAudit(event, in: db) }
    }

    /// Appends `event` inside the caller's transaction, chained to the previous entry by its hash. Entries are
    /// appended by one writer at a time (SQLite's), so the chain has no forks.
    @discardableResult
    static func insertAudit(_ event: AuditEvent, in db: Database) throws -> AuditEvent {
        let previous = try String.fetchOne(db, sql: "SELECT hash FROM auditEvent ORDER BY id DESC LIMIT 1") ?? ""
        var entry = event
        entry.hash = chainHash(previous: previous, entry)
        try db.cachedStatement(
            sql: "INSERT INTO auditEvent (at, actor, role, action, target, address, outcome, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            entry.at.timeIntervalSince1970, entry.actor, entry.role, entry.action, entry.target, entry.address, entry.outcome, entry.hash,
        ])
        entry.id = db.lastInsertedRowID
        return entry
    }

    /// Events oldest first, after `id` (for export and paging).
    public func auditEvents(after id: Int64 = 0, limit: Int = 1000) throws(StoreError) -> [AuditEvent] {
        try read("the audit trail") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM auditEvent WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit])
                .map(AuditEvent.init(row:))
        }
    }

    /// Recomputes the chain; returns the id of the first entry whose hash does not match, or `nil` when intact.
    public func verifyAuditChain() throws(StoreError) -> Int64? {
        var previous = ""
        var after: Int64 = 0
        while true {
            let page = try auditEvents(after: after, limit: 1000)
            for event in page {
                guard Self.chainHash(previous: previous, event) == event.hash else { return event.id }
                previous = event.hash
            }
            guard let last = page.last, page.count == 1000 else { return nil }
            after = last.id
        }
    }

    static func chainHash(previous: String, _ event: AuditEvent) -> String {
        let fields = [previous, String(event.at.timeIntervalSince1970), event.actor, event.role, event.action, event.target,
                      event.address, event.outcome]
        // Unit separators keep field boundaries unambiguous ("ab"+"c" differs from "a"+"bc").
        return SecretToken.digest(fields.joined(separator: "\u{1F}"))
    }
}
