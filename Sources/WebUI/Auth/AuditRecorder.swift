import Foundation
import Hummingbird
import Logging
import Scheduler

/// Writes one audit event per state-changing request, login and token change: who, in
/// which role, did what to what, when, from where, and how it ended. Reading writes none.
struct AuditRecorder: Sendable {
    let store: Store

    /// Runs `body` and records its outcome (`ok`, or the error's code), then returns or rethrows.
    func record<T>(
        _ action: String, target: String, by principal: Principal?, actor: String? = nil, context: AppRequestContext,
        _ body: () async throws -> T
    ) async throws -> T {
        do {
            let value = try await body()
            write(action, target, principal, actor, context, outcome: "ok")
            return value
        } catch let error as APIError {
            write(action, target, principal, actor, context, outcome: "refused: \(error.code)")
            throw error
        } catch {
            write(action, target, principal, actor, context, outcome: "failed")
            throw error
        }
    }

    /// Checks the caller may do `permission` on what `concern` names, then runs `body`; the outcome,
    /// refusals included, goes to the audit trail.
    func guarded<T>(
        _ action: String, target: String, _ permission: Permission, for concern: Principal.Concern = .everything,
        _ context: AppRequestContext, _ body: (Principal) async throws -> T
    ) async throws -> T {
        let principal: Principal
        do {
            principal = try context.require(permission, for: concern)
        } catch let error as APIError {
            refused(action, target: target, context: context, error: error)
            throw error
        }
        return try await record(action, target: target, by: principal, context: context) { try await body(principal) }
    }

    /// A refusal before any handler ran (no credential, wrong role).
    func refused(_ action: String, target: String, context: AppRequestContext, error: APIError) {
        write(action, target, context.principal, nil, context, outcome: "refused: \(error.code)")
    }

    private func write(_ action: String, _ target: String, _ principal: Principal?, _ actor: String?, _ context: AppRequestContext, outcome: String) {
        let event = AuditEvent(
            at: Date(), actor: principal?.name ?? actor ?? "anonymous", role: principal?.role.rawValue ?? "-", action: action,
            target: target, address: context.address, outcome: outcome)
        do {
            try store.appendAudit(event)
        } catch {
            context.logger.error("could not record an audit event", metadata: ["error": "\(error)", "action": "\(action)"])
        }
    }
}
