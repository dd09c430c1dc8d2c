import DispatchSchema

/// Applies the dialect's numbered migrations and records them in `schema_migrations`.
struct Migrator {
    let connection: any SQLConnection

    init(_ connection: any SQLConnection) { self.connection = connection }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
        """

    /// Versions recorded as applied; reads only, so it works on a database nobody migrated yet.
    func applied() throws -> Set<Int> {
        guard try !connection.query(connection.dialect.tableExists, [.text("schema_migrations")]).isEmpty else { return [] }
        return Set(try connection.query("SELECT version FROM schema_migrations", []).map { try $0.int("version") })
    }

    func pending() throws -> [Int] {
        let done = try applied()
        return connection.dialect.migrations.map(\.version).filter { !done.contains($0) }
    }

    /// Each missing migration in its own transaction, re-checked under the lock so two
    /// concurrent `migrate` runs cannot both apply one.
    func migrate() throws -> [Int] {
        try connection.execute(Self.createTable, [])
        var appliedNow: [Int] = []
        for migration in connection.dialect.migrations {
            let didApply = try connection.transaction { () throws -> Bool in
                if let lock = connection.dialect.migrationLock { try connection.execute(lock, []) }
                let done = try connection.query("SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(migration.version)])
                guard done.isEmpty else { return false }
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
                    [.integer(migration.version), .text(migration.name)])
                return true
            }
            if didApply { appliedNow.append(migration.version) }
        }
        return appliedNow
    }

    /// Throws `notMigrated` with the command to run when migrations are missing.
    func requireCurrent() throws {
        let missing = try pending()
        guard missing.isEmpty else {
            throw StoreError(
                .notMigrated,
                "the \(connection.dialect.backend) database lacks schema migration(s) "
                    + "\(missing.map(String.init).joined(separator: ", ")): run 'dispatch db migrate' first"
            )
        }
    }
}
