import Foundation
import Hummingbird
import Logging
import Scheduler

/// Writes one audit event per state-changing request, login and token change: who, in which role, did what to
/// what, when, from where, and how it ended. Reading writes none.
///
/// A success is committed with the change it records: the handler hands its `AuditRecord` to the store call or
/// engine request that makes the change, so that both are in the store or neither is (a change that cannot be
/// audited does not happen). A success that changed nothing, a refusal or a failure is written on its own.
struct AuditRecorder: Sendable {
    let store: Store
    let anonymous = AnonymousAuditBudget()
    /// Targets come from requests (paths, names): the trail keeps at most this much of one.
    static let maximumTarget = 300

    /// Runs `body` with the record of its success, then returns or rethrows.
    func record<T>(
        _ action: String, target: String, by principal: Principal?, actor: String? = nil, context: AppRequestContext,
        _ body: (AuditRecord) async throws -> T
    ) async throws -> T {
        let record = AuditRecord(event(action, target, principal, actor, context, outcome: "ok"))
        do {
            let value = try await body(record)
            if !record.isWritten { try store.appendAudit(record.event) }
            return value
        } catch let error as APIError {
            write(action, record.event.target, principal, actor, context, outcome: "refused: \(error.code)")
            throw error
        } catch {
            write(action, record.event.target, principal, actor, context, outcome: "failed")
            throw error
        }
    }

    /// Checks the caller may do `permission` on what `concern` names, then runs `body`; the outcome,
    /// refusals included, goes to the audit trail.
    func guarded<T>(
        _ action: String, target: String, _ permission: Permission, for concern: Principal.Concern = .everything,
        _ context: AppRequestContext, _ body: (Principal, AuditRecord) async throws -> T
    ) async throws -> T {
        let principal: Principal
        do {
            principal = try context.require(permission, for: concern)
        } catch let error as APIError {
            refused(action, target: target, context: context, error: error)
            throw error
        }
        return try await record(action, target: target, by: principal, context: context) { try await body(principal, $0) }
    }

    /// A refusal before any handler ran (no credential, wrong role).
    func refused(_ action: String, target: String, context: AppRequestContext, error: APIError) {
        write(action, target, context.principal, nil, context, outcome: "refused: \(error.code)")
    }

    private func event(
        _ action: String, _ target: String, _ principal: Principal?, _ actor: String?, _ context: AppRequestContext, outcome: String
    ) -> AuditEvent {
        let target = target.count > Self.maximumTarget ? target.prefix(Self.maximumTarget) + "…" : target
        return AuditEvent(
            at: Date(), actor: principal?.name ?? actor ?? "anonymous", role: principal?.role.rawValue ?? "-", action: action,
            target: String(target), address: context.address, outcome: outcome)
    }

    /// A refusal or failure, on its own; an anonymous one within the anonymous budget.
    private func write(_ action: String, _ target: String, _ principal: Principal?, _ actor: String?, _ context: AppRequestContext, outcome: String) {
        do {
            if principal == nil {
                let (allowed, suppressed) = anonymous.admit(address: context.address)
                if suppressed > 0 {
                    try store.appendAudit(AuditEvent(
                        at: Date(), actor: "autooptimize", role: "-", action: "audit.suppressed",
                        target: "\(suppressed) anonymous refusals not recorded one by one (over the per-minute budget)",
                        address: "local", outcome: "ok"))
                }
                guard allowed else { return }
            }
            try store.appendAudit(event(action, target, principal, actor, context, outcome: outcome))
        } catch {
            context.logger.error("could not record an audit event", metadata: ["error": "\(error)", "action": "\(action)"])
        }
    }
}
