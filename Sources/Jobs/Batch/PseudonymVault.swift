import Crypto
import Foundation
import GRDB
import Scheduler

/// Pseudonyms for the people in the sales files (customers by email, else by name and phone; sellers by id and
/// name): a random token each, never a hash anyone holding the data could recompute. The link from a token back to
/// the person is kept here alone, encrypted (AES-GCM with the vault's key), so that erasing a person's row destroys
/// it; the lookup from a person to their token is an HMAC under the same key, useless without it.
/// `<data>/vault.sqlite`, key in `<data>/vault.key` (32 random bytes, mode 600, made on first use).
final class PseudonymVault: Sendable {
    private let pool: DatabasePool
    private let key: SymmetricKey

    /// A person as the files name them.
    struct Identity: Sendable, Hashable {
        let kind: Kind
        /// What finds the person again: email, else name and phone (customers); id and name (sellers).
        let lookup: String
        /// What is sealed with the token: the columns as written, in the order of `names`.
        private let values: [String]

        enum Kind: String, Sendable {
            case customer, seller
        }

        private static let customerNames = ["customer_name", "customer_email", "customer_phone"]
        private static let sellerNames = ["seller_id", "seller_name"]

        /// The columns as written, by name.
        var fields: [String: String] {
            Dictionary(uniqueKeysWithValues: zip(kind == .customer ? Self.customerNames : Self.sellerNames, values))
        }

        static func customer(name: String, email: String, phone: String) -> Identity {
            let normalizedEmail = SaleRowRules.lowercasedASCII(trimmed(email))
            let lookup = normalizedEmail.isEmpty
                ? "name:" + normalized(name) + "|phone:" + phone.filter { $0.isNumber || $0 == "+" } : "email:" + normalizedEmail
            return Identity(kind: .customer, lookup: lookup, values: [name, email, phone])
        }

        static func seller(id: String, name: String) -> Identity {
            Identity(kind: .seller, lookup: "id:" + id + "|name:" + normalized(name), values: [id, name])
        }

        /// Blanks off both ends, as Foundation's `.whitespaces` trims them (in ASCII text: spaces and tabs).
        private static func trimmed(_ text: String) -> String {
            let utf8 = text.utf8
            guard utf8.allSatisfy({ $0 < 0x80 }) else { return text.trimmingCharacters(in: .whitespaces) }
            guard utf8.first == 0x20 || utf8.first == 0x09 || utf8.last == 0x20 || utf8.last == 0x09 else { return text }
            let bytes = Array(utf8)
            guard let start = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), let end = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else {
                return ""
            }
            return String(decoding: bytes[start...end], as: UTF8.self)
        }

        private static func normalized(_ text: String) -> String {
            // Most names: ASCII, single spaces, nothing to fold.
            if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), text.utf8.first != 0x20, text.utf8.last != 0x20, !Self.hasDoubleSpace(text) {
                return SaleRowRules.lowercasedASCII(text)
            }
            return text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }

        /// Two spaces in a row, found in the bytes (Foundation's `contains` went through CFStringFind for every name).
        private static func hasDoubleSpace(_ text: String) -> Bool {
            var previous: UInt8 = 0
            for byte in text.utf8 {
                if byte == 0x20, previous == 0x20 { return true }
                previous = byte
            }
            return false
        }

        /// Nobody: every personal column empty (no token).
        var isEmpty: Bool { values.allSatisfy { Self.trimmed($0).isEmpty } }

        // A person is who the lookup says (the sealed columns may be written differently): cheaper to hash too.
        static func == (a: Identity, b: Identity) -> Bool { a.kind == b.kind && a.lookup == b.lookup }
        func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
            hasher.combine(lookup)
        }
    }

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        key = try Self.key(at: directory.appendingPathComponent("vault.key"))
        SQLiteProcess.configure()
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
        pool = try DatabasePool(path: directory.appendingPathComponent("vault.sqlite").path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 people") { db in
            try db.execute(sql: """
                CREATE TABLE person (lookup BLOB PRIMARY KEY, token TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, sealed BLOB NOT NULL,
                    createdAt TEXT NOT NULL) WITHOUT ROWID;
                """)
        }
        try migrator.migrate(pool)
    }

    /// Tokens for `identities` (the same person, the same token, in this run and every later one), creating those
    /// not known yet in one transaction.
    func tokens(for identities: some Collection<Identity>) throws -> [Identity: String] {
        var tokens: [Identity: String] = [:]
        let lookups = Dictionary(identities.filter { !$0.isEmpty }.map { (lookup(for: $0), $0) }, uniquingKeysWith: { first, _ in first })
        guard !lookups.isEmpty else { return [:] }
        try pool.write { db in
            let now = ISO8601DateFormatter().string(from: Date())
            for (lookup, identity) in lookups {
                if let token = try String.fetchOne(db.cachedStatement(sql: "SELECT token FROM person WHERE lookup = ?"), arguments: [lookup]) {
                    tokens[identity] = token
                    continue
                }
                let token = Self.newToken(identity.kind)
                let sealed = try AES.GCM.seal(JSONSerialization.data(withJSONObject: identity.fields, options: [.sortedKeys]), using: key).combined!
                try db.cachedStatement(sql: "INSERT INTO person (lookup, token, kind, sealed, createdAt) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [lookup, token, identity.kind.rawValue, sealed, now])
                tokens[identity] = token
            }
        }
        return tokens
    }

    /// The person behind a token (for an erasure or access request); nil when unknown or erased.
    func reveal(_ token: String) throws -> [String: String]? {
        guard let sealed = try pool.read({ db in try Data.fetchOne(db, sql: "SELECT sealed FROM person WHERE token = ?", arguments: [token]) }) else {
            return nil
        }
        let data = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
        return try JSONSerialization.jsonObject(with: data) as? [String: String]
    }

    /// Destroys the link between a token and its person. Returns whether there was one.
    @discardableResult
    func erase(_ token: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM person WHERE token = ?", arguments: [token])
            return db.changesCount > 0
        }
    }

    private func lookup(for identity: Identity) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data((identity.kind.rawValue + "|" + identity.lookup).utf8), using: key))
    }

    /// `C-` or `S-` and 20 random hex digits.
    private static func newToken(_ kind: Identity.Kind) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<10).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        return (kind == .customer ? "C-" : "S-") + digits
    }

    /// The vault's key: read, or made (mode 600) on first use. A key file readable by others is refused.
    private static func key(at file: URL) throws -> SymmetricKey {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file.path) {
            let mode = (attributes[.posixPermissions] as? Int) ?? 0
            guard mode & 0o077 == 0 else { throw LakeError("\(file.path): must be readable by its owner only (mode 600), not \(String(mode, radix: 8))") }
            let data = try Data(contentsOf: file)
            guard data.count == 32 else { throw LakeError("\(file.path): must hold 32 bytes, not \(data.count)") }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw LakeError("\(file.path): cannot be written")
        }
        return key
    }
}
