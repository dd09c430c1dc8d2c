import CSQLite
import DispatchSchema
import DispatchStore
import Foundation
import Glibc

/// The sqlite3 C API behind `SQLConnection`: the only place that touches sqlite3 handles.
public final class SQLiteConnection: SQLConnection {
    private var handle: OpaquePointer?
    public let path: String

    public let dialect = SQLDialect(
        backend: "sqlite",
        beginTransaction: "BEGIN IMMEDIATE",
        instantParameter: "?",
        instantColumn: { $0 },
        dateColumn: { $0 },
        isDistinctFrom: "IS NOT",
        migrationLock: nil,
        tableExists: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        migrations: SchemaMigrations.sqlite,
        lockRows: "", beginReadTransaction: "BEGIN DEFERRED", claimRows: "",
        currentInstant: "CAST(strftime('%s', 'now') AS INTEGER)", instantAfterSeconds: "(CAST(strftime('%s', 'now') AS INTEGER) + ?)")

    /// Opens the database file, with foreign keys enforced; `create` makes it when it does not
    /// exist (otherwise a missing file is an error naming it, never a new empty database).
    public init(path: String, create: Bool = true) throws {
        self.path = path
        if !create, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
            throw StoreError(
                .notMigrated, "no SQLite database at '\(path)' (a mistyped path?); run 'dispatch db migrate' first to create it there")
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(db)
            throw StoreError(.connection, "cannot open SQLite database '\(path)': \(reason)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // Write-ahead logging: readers (the HTTP server) never block the writer, and a commit
        // needs no fsync of the main file; NORMAL keeps every commit across a process crash.
        try executeScript("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
    }

    deinit { close() }

    /// Open lock files by name (`flock`: the kernel frees the lock when the process dies).
    private var locks: [String: Int32] = [:]

    /// An exclusive `flock` on `PATH.NAME.lock` beside the database file.
    public func tryLock(_ name: String) throws -> Bool {
        if locks[name] != nil { return true }
        let file = "\(path).\(name).lock"
        let descriptor = Glibc.open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError(.connection, "cannot open the lock file \(file)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(descriptor)
            return false
        }
        locks[name] = descriptor
        return true
    }

    public func unlock(_ name: String) throws {
        guard let descriptor = locks.removeValue(forKey: name) else { return }
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }

    public func close() {
        finalizePrepared()
        for name in Array(locks.keys) { try? unlock(name) }
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    public func executeScript(_ sql: String) throws {
        let db = try open()
        // A script changes the schema (a migration): statements are compiled again after it.
        finalizePrepared()
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard status == SQLITE_OK else {
            throw failure(status, message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db)), sql)
        }
    }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let db = try open()
        try withStatement(sql, parameters) { statement in
            while true {
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else { throw failure(status, String(cString: sqlite3_errmsg(db)), sql) }
            }
        }
        return Int(sqlite3_changes(db))
    }

    public func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        let db = try open()
        return try withStatement(sql, parameters) { statement in
            var rows: [SQLRow] = []
            var columns: SQLColumns?
            var count: Int32 = 0
            while true {
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else { throw failure(status, String(cString: sqlite3_errmsg(db)), sql) }
                if columns == nil {
                    // Read once a row is there: a step compiles a kept statement again when the
                    // schema changed since, and `*` may then name other columns.
                    count = sqlite3_column_count(statement)
                    columns = columnsCache.columns(
                        sql, names: (0..<count).map { sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" })
                }
                rows.append(SQLRow((0..<count).map { column(statement, $0) }, columns: columns!))
            }
            return rows
        }
    }

    private func open() throws -> OpaquePointer {
        guard let handle else { throw StoreError(.connection, "the SQLite database '\(path)' is closed") }
        return handle
    }

    /// Prepared statements by their text, kept while the connection lives: a connection runs the
    /// same statements again and again, and compiling one costs more than running it on one row.
    /// Reset after each use, so a kept statement holds no read snapshot.
    private var prepared: [String: OpaquePointer] = [:]
    private var columnsCache = SQLColumnsCache()
    /// Statements kept; past it they are finalized and compiling starts again (statements whose
    /// text varies, such as an `IN` list, would otherwise pile up).
    private static let preparedLimit = 256

    private func finalizePrepared() {
        for statement in prepared.values { sqlite3_finalize(statement) }
        prepared.removeAll()
    }

    private func withStatement<T>(_ sql: String, _ parameters: [SQLValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        let db = try open()
        let statement: OpaquePointer
        if let known = prepared[sql] {
            statement = known
        } else {
            var compiled: OpaquePointer?
            let status = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &compiled, nil)
            guard status == SQLITE_OK, let compiled else {
                throw failure(status, String(cString: sqlite3_errmsg(db)), sql)
            }
            if prepared.count >= Self.preparedLimit { finalizePrepared() }
            prepared[sql] = compiled
            statement = compiled
        }
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let bound: Int32
            switch value {
            case .null: bound = sqlite3_bind_null(statement, index)
            case .integer(let number): bound = sqlite3_bind_int64(statement, index, sqlite3_int64(number))
            case .real(let number): bound = sqlite3_bind_double(statement, index, number)
            case .text(let text): bound = sqlite3_bind_text(statement, index, text, -1, sqliteTransient)
            }
            guard bound == SQLITE_OK else { throw failure(bound, String(cString: sqlite3_errmsg(db)), sql) }
        }
        return try body(statement)
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(Int(sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        default:
            guard let text = sqlite3_column_text(statement, index) else { return .null }
            return .text(String(cString: text))
        }
    }

    private func failure(_ status: Int32, _ message: String, _ sql: String) -> StoreError {
        let primary = status & 0xff
        let code = String(status)
        if primary == SQLITE_CONSTRAINT {
            return StoreError(.constraint(name: nil), "SQLite refused the data: \(message)", statement: sql, sqlState: code)
        }
        // The write lock stayed taken past busy_timeout: the whole transaction may run again.
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return StoreError(.retryable, "SQLite error: \(message)", statement: sql, sqlState: code)
        }
        return StoreError(.database, "SQLite error: \(message)", statement: sql, sqlState: code)
    }
}

/// SQLITE_TRANSIENT: sqlite copies the bound text before the call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
