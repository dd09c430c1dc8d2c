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

    static func make(_ kind: TokenKind) -> (token: String, id: String, hash: String) {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux: cryptographically secure
        let idBytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let id = idBytes.hexDigits
        let text = secret.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return ("\(prefix(kind))_\(id)_\(text)", id, hash(text))
    }

    /// Compared against when the id is unknown: the hash of no secret anyone can present.
    static let absentHash = String(repeating: "0", count: 64)

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexDigits
    }

    /// Splits a presented token into kind, id and secret; nil when it cannot be one of ours.
    static func parse(_ token: String) -> (kind: TokenKind, id: String, secret: String)? {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit), parts[2].count == 43,
            let kind = TokenKind.allCases.first(where: { prefix($0) == parts[0] })
        else { return nil }
        return (kind, parts[1], parts[2])
    }

    /// Equal strings of equal length, compared without an early exit.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
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

    /// Whether the database answers (for `/readyz`).
    public func ping() async throws {
        try await read { context in try context.tx.ping() }
    }
}
