import SchedulingCore

/// A one-time sign-in link as stored (never its secret: only its hash).
public struct StoredSignInLink: Sendable, Equatable {
    public var id: String
    public var technician: String
    public var secretSHA256: String
    public var createdAt: Instant
    public var expiresAt: Instant
    public var usedAt: Instant?

    public init(id: String, technician: String, secretSHA256: String, createdAt: Instant, expiresAt: Instant, usedAt: Instant? = nil) {
        self.id = id
        self.technician = technician
        self.secretSHA256 = secretSHA256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

extension StoreTransaction {
    public func insertSignInLink(_ link: StoredSignInLink) throws {
        let instant = dialect.instantParameter
        try connection.execute(
            "INSERT INTO signin_links (id, technician_id, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, \(instant), \(instant))",
            [.text(link.id), .text(link.technician), .text(link.secretSHA256), .instant(link.createdAt), .instant(link.expiresAt)])
    }

    public func signInLink(_ id: String) throws -> StoredSignInLink? {
        let sql = """
            SELECT id, technician_id, secret_sha256, \(dialect.instantColumn("created_at")), \(dialect.instantColumn("expires_at")),
                   \(dialect.instantColumn("used_at"))
            FROM signin_links WHERE id = ?
            """
        return try connection.query(sql, [.text(id)]).first.map { row in
            StoredSignInLink(
                id: try row.text("id"), technician: try row.text("technician_id"), secretSHA256: try row.text("secret_sha256"),
                createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
                expiresAt: Instant(secondsSinceEpoch: try row.int("expires_at")),
                usedAt: try row.optionalInt("used_at").map(Instant.init(secondsSinceEpoch:)))
        }
    }

    /// Marks the link used by the token `tokenID`; false when it was used already (by another
    /// request meanwhile: the update names only an unused link, so one of two wins).
    public func useSignInLink(_ id: String, at: Instant, tokenID: String) throws -> Bool {
        try connection.execute(
            "UPDATE signin_links SET used_at = \(dialect.instantParameter), token_id = ? WHERE id = ? AND used_at IS NULL",
            [.instant(at), .text(tokenID), .text(id)]) == 1
    }

    /// Removes links that expired before `before`; returns how many.
    public func pruneSignInLinks(before: Instant) throws -> Int {
        try connection.execute("DELETE FROM signin_links WHERE expires_at < \(dialect.instantParameter)", [.instant(before)])
    }
}
