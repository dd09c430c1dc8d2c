import Crypto
import DispatchStore
import Foundation
import SchedulingCore

/// Who a request speaks for, once its token checked out.
public struct Principal: Sendable, Equatable {
    public var kind: TokenKind
    /// The technician's id, or the dispatcher's name.
    public var subject: String
    /// The token's public id (for rate limits and logs; never the secret).
    public var tokenID: String
    /// What a client's token may do (none for the other kinds).
    public var scopes: Set<ClientScope> = []
}

/// API tokens: `fd<kind letter>_<16 hex id>_<43 base64url characters of a 256-bit secret>`.
/// Only the SHA-256 of the secret is stored; the id finds the row and the secret's hash is
/// compared in constant time.
enum APIToken {
    static func prefix(_ kind: TokenKind) -> String {
        switch kind {
        case .technician: return "fdt"
        case .feed: return "fdf"
        case .dispatcher: return "fdd"
        case .client: return "fdc"
        }
    }

    /// The prefix of a one-time sign-in link's code (`fds_…`): not a token, it opens nothing but
    /// the exchange for one.
    static let signInPrefix = "fds"

    static func make(_ kind: TokenKind) -> (token: String, id: String, hash: String) { make(prefix: prefix(kind)) }

    static func make(prefix: String) -> (token: String, id: String, hash: String) {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux: cryptographically secure
        let idBytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let id = idBytes.hexDigits
        let text = secret.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return ("\(prefix)_\(id)_\(text)", id, hash(text))
    }

    /// Compared against when the id is unknown: the hash of no secret anyone can present.
    static let absentHash = String(repeating: "0", count: 64)

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexDigits
    }

    /// Splits a presented token into kind, id and secret; nil when it cannot be one of ours.
    static func parse(_ token: String) -> (kind: TokenKind, id: String, secret: String)? {
        guard let (prefix, id, secret) = split(token), let kind = TokenKind.allCases.first(where: { self.prefix($0) == prefix })
        else { return nil }
        return (kind, id, secret)
    }

    /// Prefix, id and secret of anything made by `make`, or nil.
    static func split(_ token: String) -> (prefix: String, id: String, secret: String)? {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit), parts[2].count == 43 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool { Secrets.equal(a, b) }
}

extension DispatchOperations {
    /// Issues a new token and returns it; it is shown once and stored only as a hash. A
    /// technician's (bearer or feed) token needs a stored technician.
    public func issueToken(_ kind: TokenKind, for subject: String) async throws -> String {
        let subject = subject.trimmingCharacters(in: .whitespaces)
        guard !subject.isEmpty else { throw OperationError.badInput("a token needs a technician id or a dispatcher name") }
        guard kind != .client else { throw OperationError.badInput("a client's token carries scopes: issueClientToken") }
        return try await perform { context in
            if kind != .dispatcher, try context.tx.technician(subject) == nil {
                throw OperationError.notFound("no technician '\(subject)'")
            }
            let made = APIToken.make(kind)
            try context.tx.insertToken(
                StoredToken(
                    id: made.id, kind: kind, subject: subject, secretSHA256: made.hash,
                    createdAt: context.now, revokedAt: nil))
            return made.token
        }
    }

    /// Issues a new token for the integration client `name` carrying `scopes`, and returns it; it
    /// is shown once and stored only as a hash. A client is its name: it needs no other record.
    public func issueClientToken(_ name: String, scopes: Set<ClientScope>) async throws -> String {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw OperationError.badInput("a client's name is 1 to 100 letters, digits, '-', '_' or '.' (it names the client in logs)")
        }
        guard !scopes.isEmpty else {
            throw OperationError.badInput(
                "a client's token needs at least one scope (\(ClientScope.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return try await perform { context in
            let made = APIToken.make(.client)
            try context.tx.insertToken(
                StoredToken(
                    id: made.id, kind: .client, subject: name, secretSHA256: made.hash, createdAt: context.now, revokedAt: nil,
                    scopes: scopes))
            return made.token
        }
    }

    /// Every integration client's tokens, live and revoked (never a secret).
    public func clientTokens() async throws -> [StoredToken] {
        try await read { context in try context.tx.tokens(kind: .client) }
    }

    /// Revokes every live token of that kind for the subject; returns how many.
    public func revokeTokens(_ kind: TokenKind, for subject: String) async throws -> Int {
        try await perform { context in try context.tx.revokeTokens(kind: kind, subject: subject, at: context.now) }
    }

    /// The principal of a presented token, or nil when it is unknown, malformed or revoked.
    public func authenticate(_ token: String) async throws -> Principal? {
        guard let (kind, id, secret) = APIToken.parse(token) else { return nil }
        return try await read { context -> Principal? in
            // The secret is hashed and compared whether or not the id exists, so an unknown id
            // takes as long to refuse as a known id with a wrong secret.
            let stored = try context.tx.token(id)
            let matches = APIToken.constantTimeEqual(stored?.secretSHA256 ?? APIToken.absentHash, APIToken.hash(secret))
            guard let stored, matches, stored.revokedAt == nil, stored.kind == kind else { return nil }
            return Principal(kind: kind, subject: stored.subject, tokenID: id, scopes: stored.scopes)
        }
    }

    /// How long a sign-in link may be opened.
    public static let signInMinutes = 15

    /// A one-time sign-in link's code for the technician's phone (`/t/signin#CODE`), valid for
    /// `signInMinutes`; stored only as a hash. Opening it exchanges it for the device's own
    /// technician token (`redeemSignIn`).
    public func issueSignInCode(for technician: String) async throws -> (code: String, expires: Instant) {
        try await perform { context in
            guard try context.tx.technician(technician) != nil else { throw OperationError.notFound("no technician '\(technician)'") }
            let made = APIToken.make(prefix: APIToken.signInPrefix)
            let expires = context.now.adding(minutes: Self.signInMinutes)
            try context.tx.insertSignInLink(
                StoredSignInLink(id: made.id, technician: technician, secretSHA256: made.hash, createdAt: context.now, expiresAt: expires))
            return (made.token, expires)
        }
    }

    /// Exchanges a sign-in code, once, for a new technician token of the device (revoked with
    /// the technician's other tokens). An unknown code is nil; a used or expired one is gone.
    public func redeemSignIn(_ code: String) async throws -> (token: String, principal: Principal)? {
        guard let (prefix, id, secret) = APIToken.split(code), prefix == APIToken.signInPrefix else { return nil }
        return try await perform { context -> (String, Principal)? in
            let stored = try context.tx.signInLink(id)
            let matches = APIToken.constantTimeEqual(stored?.secretSHA256 ?? APIToken.absentHash, APIToken.hash(secret))
            guard let stored, matches else { return nil }
            guard stored.usedAt == nil else {
                throw OperationError(.gone, "this sign-in link was used already; ask the dispatcher for a new one")
            }
            guard context.now <= stored.expiresAt else {
                throw OperationError(.gone, "this sign-in link expired at \(stored.expiresAt); ask the dispatcher for a new one")
            }
            guard try context.tx.technician(stored.technician) != nil else { return nil }
            let made = APIToken.make(.technician)
            guard try context.tx.useSignInLink(id, at: context.now, tokenID: made.id) else {
                throw OperationError(.gone, "this sign-in link was used already; ask the dispatcher for a new one")
            }
            try context.tx.insertToken(
                StoredToken(
                    id: made.id, kind: .technician, subject: stored.technician, secretSHA256: made.hash, createdAt: context.now,
                    revokedAt: nil))
            return (made.token, Principal(kind: .technician, subject: stored.technician, tokenID: made.id))
        }
    }

    /// Revokes one token by its public id (a device signing out); returns whether it was live.
    public func revokeToken(id: String) async throws -> Bool {
        try await perform { context in try context.tx.revokeToken(id: id, at: context.now) }
    }

    /// Whether the database answers (for `/readyz`).
    public func ping() async throws {
        try await read { context in try context.tx.ping() }
    }
}
