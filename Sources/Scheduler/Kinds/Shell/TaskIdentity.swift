import Foundation

/// A user a task runs as: the uid, gid and supplementary groups `run_as` names, and its home.
struct TaskIdentity: Sendable, Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let groups: [gid_t]
    let home: String

    /// The account named `name` (or a numeric uid), from the system's user database.
    /// - Throws: `JobFailure` saying that no such user exists.
    static func resolve(_ name: String) throws(JobFailure) -> TaskIdentity {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status: Int32 =
            if let uid = uid_t(name) {
                getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
            } else {
                getpwnam_r(name, &entry, &buffer, buffer.count, &result)
            }
        guard status == 0, let found = result?.pointee else {
            throw JobFailure("run_as: there is no user \"\(name)\" on this machine")
        }
        let userName = String(cString: found.pw_name)
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(found.pw_name, found.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(found.pw_name, found.pw_gid, &groups, &count)
        }
        return TaskIdentity(
            name: userName, uid: found.pw_uid, gid: found.pw_gid, groups: Array(groups.prefix(Int(max(count, 0)))),
            home: String(cString: found.pw_dir))
    }

    /// Who a task runs as, given the user it asks for: `nil` means "as the daemon".
    /// A daemon running as root switches to the user; any other daemon can only run tasks as itself.
    static func forTask(requested: String?) throws(JobFailure) -> TaskIdentity? {
        guard let requested else { return nil }
        let identity = try resolve(requested)
        if geteuid() == 0 { return identity.uid == 0 ? nil : identity }
        guard identity.uid == geteuid() else {
            throw JobFailure(
                "run_as \"\(requested)\": the daemon runs as uid \(geteuid()), not root, so it cannot start tasks as another user")
        }
        return nil
    }
}
