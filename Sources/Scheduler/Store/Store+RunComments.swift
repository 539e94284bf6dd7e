import Foundation
import GRDB

// MARK: - What people write on runs

extension Store {
    /// Sets (or, with nil, clears) what people wrote on a run, with its audit event in the same transaction. The
    /// engine never writes this column, so a comment cannot be lost to a state change racing it.
    /// - Returns: the run as it now is, or nil when there is no such run (and nothing, the audit included, is written).
    public func setComment(_ comment: String?, on id: RunID, audit: AuditRecord? = nil) throws(StoreError) -> Run? {
        let run = try write("write the comment of run \(id)") { db -> Run? in
            try db.execute(sql: "UPDATE run SET comment = ? WHERE id = ?", arguments: [comment, id.rawValue])
            guard db.changesCount == 1 else { return nil }
            if let audit { try Self.insertAudit(audit.event, in: db) }
            return try Run.fetchAll(db, "WHERE id = ?", [id.rawValue]).first
        }
        if run != nil { audit?.markWritten() }
        return run
    }
}
