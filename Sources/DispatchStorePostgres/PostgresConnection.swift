import CLibPQ
import DispatchSchema
import DispatchStore
import Foundation

/// libpq behind `SQLConnection`: the only place that touches PGconn and PGresult handles.
///
/// Parameters and results travel in libpq's text format; the shared store code decodes them.
public final class PostgresConnection: SQLConnection {
    private var handle: OpaquePointer?
    /// The open handle (for the notification wait beside this file), nil once closed.
    var connectionHandle: OpaquePointer? { handle }
    /// Prepared statements of this connection, by their SQL text.
    private var prepared: [String: String] = [:]
    /// Raised when the cache starts over, so names are never reused for other texts.
    private var preparedGeneration = 0
    /// Statements prepared in this generation, dropped ones included: each name is used once.
    private var preparedCount = 0
    /// How many times the server was asked before it gave this connection a slot.
    public private(set) var connectAttempts = 0

    public let dialect = SQLDialect(
        backend: "postgresql",
        beginTransaction: "BEGIN",
        instantParameter: "to_timestamp(?)",
        instantColumn: { "CAST(EXTRACT(EPOCH FROM \($0)) AS bigint)" },
        dateColumn: { "to_char(\($0), 'YYYY-MM-DD')" },
        isDistinctFrom: "IS DISTINCT FROM",
        migrationLock: "SELECT pg_advisory_xact_lock(7306120501)",
        tableExists: "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
        migrations: SchemaMigrations.postgres,
        lockRows: " FOR UPDATE", beginReadTransaction: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        claimRows: " FOR UPDATE OF u SKIP LOCKED",
        currentInstant: "now()", instantAfterSeconds: "(now() + make_interval(secs => CAST(? AS double precision)))")

    /// Connects with a URI or keyword string; libpq's PG* variables and password file fill the gaps.
    ///
    /// A server whose connection slots are all taken (`max_connections`, or a role's or database's
    /// `CONNECTION LIMIT`) is asked again for up to `slotWait` seconds, with a random pause growing
    /// from 25–50 ms to 0.5–1 s: a burst of commands (cron minutes, a busy desk) then waits for a
    /// slot instead of failing. Any other refusal is reported at once.
    public init(conninfo: String, slotWait: Double = 10) throws {
        let deadline = Date().addingTimeInterval(slotWait)
        var pause = 0.025
        while true {
            connectAttempts += 1
            guard let connection = PQconnectdb(conninfo) else {
                throw StoreError(.connection, "cannot connect to PostgreSQL: out of memory")
            }
            if PQstatus(connection) == CONNECTION_OK {
                handle = connection
                break
            }
            let reason = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            guard Self.isSlotShortage(reason), Date().addingTimeInterval(pause) < deadline else {
                throw StoreError(.connection, "cannot connect to PostgreSQL: \(reason)")
            }
            Thread.sleep(forTimeInterval: pause * Double.random(in: 1...2))
            pause = min(pause * 2, 0.5)
        }
        try executeScript("SET client_min_messages = warning; SET TIME ZONE 'UTC';")
    }

    /// The server's refusals for want of a free connection slot (SQLSTATE 53300 and the slots
    /// kept for superusers). libpq gives no SQLSTATE for a refused connection, so the server's
    /// English messages are matched; a server set to another `lc_messages` is not waited for.
    static func isSlotShortage(_ reason: String) -> Bool {
        reason.contains("too many clients already") || reason.contains("too many connections for")
            || reason.contains("remaining connection slots are reserved")
    }

    deinit { close() }

    /// A session-level advisory lock, one per schema (each schema holds its own operation):
    /// PostgreSQL frees it when the connection ends.
    public func tryLock(_ name: String) throws -> Bool {
        let rows = try query(
            "SELECT pg_try_advisory_lock(hashtextextended(current_schema() || '/' || ?, 7306120501)) AS locked", [.text(name)])
        return try rows.first?.optionalText("locked") == "t"
    }

    public func unlock(_ name: String) throws {
        _ = try query("SELECT pg_advisory_unlock(hashtextextended(current_schema() || '/' || ?, 7306120501))", [.text(name)])
    }

    /// Host, port, database and user as libpq resolved them (PG* variables and defaults applied).
    public var endpoint: DatabaseEndpoint? {
        guard let handle else { return nil }
        func text(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "" }
        let password = text(PQpass(handle))
        return DatabaseEndpoint(
            host: text(PQhost(handle)), port: text(PQport(handle)), database: text(PQdb(handle)),
            user: text(PQuser(handle)), password: password.isEmpty ? nil : password, schema: "")
    }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    public func executeScript(_ sql: String) throws {
        let connection = try open()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        try run(sql, parameters) { result in Int(String(cString: PQcmdTuples(result))) ?? 0 }
    }

    private var columnsCache = SQLColumnsCache()

    public func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        try run(sql, parameters) { result in
            let rows = PQntuples(result)
            let count = PQnfields(result)
            let columns = columnsCache.columns(sql, names: (0..<count).map { String(cString: PQfname(result, $0)) })
            return (0..<rows).map { row in
                SQLRow(
                    (0..<count).map { column in
                        PQgetisnull(result, row, column) == 1 ? .null : .text(String(cString: PQgetvalue(result, row, column)))
                    }, columns: columns)
            }
        }
    }

    private func open() throws -> OpaquePointer {
        guard let handle else { throw StoreError(.connection, "the PostgreSQL connection is closed") }
        return handle
    }

    private func run<T>(_ sql: String, _ parameters: [SQLValue], _ read: (OpaquePointer?) throws -> T) throws -> T {
        let connection = try open()
        let texts: [String?] = parameters.map { value in
            switch value {
            case .null: return nil
            case .integer(let number): return String(number)
            case .real(let number): return "\(number)"
            case .text(let text): return text
            }
        }
        let numbered = Self.numberPlaceholders(sql)
        let name = try preparedName(numbered, parameters: texts.count, sql: sql)
        let result = withCStrings(texts) { pointers in
            if let name { return PQexecPrepared(connection, name, Int32(pointers.count), pointers, nil, nil, 0) }
            return PQexecParams(connection, numbered, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        if let name, PQresultStatus(result) == PGRES_FATAL_ERROR,
            PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map({ String(cString: $0) }) == "0A000"
        {
            // The table changed under the prepared statement ("cached plan must not change result
            // type"): it is prepared again on its next run; the transaction may run again.
            prepared[numbered] = nil
            throw StoreError(
                .retryable, "PostgreSQL: the statement's table changed since it was prepared (\(name)); run it again", statement: sql,
                sqlState: "0A000")
        }
        try check(result, sql)
        return try read(result)
    }

    /// The server-side prepared statement for `numbered`, prepared on first use: the server then
    /// plans it once instead of on every call (planning costs more than running most of these).
    /// Statements other than queries and row changes cannot be prepared and run unprepared.
    private func preparedName(_ numbered: String, parameters: Int, sql: String) throws -> String? {
        let head = numbered.drop { $0.isWhitespace }.prefix(6).uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(head) else { return nil }
        if let name = prepared[numbered] { return name }
        if prepared.count >= 512 {
            // Lists of varying length make new texts; start over rather than grow without bound.
            try executeScript("DEALLOCATE ALL")
            prepared.removeAll()
            preparedGeneration += 1
            preparedCount = 0
        }
        preparedCount += 1
        let name = "fd\(preparedCount)_\(preparedGeneration)"
        let result = PQprepare(try open(), name, numbered, Int32(parameters), nil)
        defer { PQclear(result) }
        try check(result, sql)
        prepared[numbered] = name
        return name
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return }
        guard let result else {
            throw StoreError(.connection, "PostgreSQL: \(Self.trimmed(PQerrorMessage(handle)))", statement: sql)
        }
        // The primary message only: DETAIL lines such as "Failing row contains (...)" echo row
        // values (a customer's phone) and must never reach a terminal or a log.
        let message = Self.trimmed(PQresultErrorField(result, Int32(UInt8(ascii: "M"))) ?? PQresultErrorMessage(result))
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        if state.hasPrefix("23") {
            let constraint = PQresultErrorField(result, Int32(UInt8(ascii: "n"))).map { String(cString: $0) }
            throw StoreError(.constraint(name: constraint), "PostgreSQL refused the data: \(message)", statement: sql, sqlState: state)
        }
        // Class 08 (connection exception) and 57P01–57P03 (the server shut the session down).
        if PQstatus(handle) != CONNECTION_OK || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            throw StoreError(.connection, "PostgreSQL connection lost: \(message)", statement: sql, sqlState: state)
        }
        if StoreError.retryableSQLStates.contains(state) {
            throw StoreError(.retryable, "PostgreSQL error \(state): \(message)", statement: sql, sqlState: state)
        }
        throw StoreError(.database, "PostgreSQL error \(state): \(message)", statement: sql, sqlState: state)
    }

    /// `?` → `$1`, `$2`, …: the shared SQL uses `?` and never has one inside a literal.
    static func numberPlaceholders(_ sql: String) -> String {
        var output = ""
        var next = 1
        for character in sql {
            if character == "?" {
                output += "$\(next)"
                next += 1
            } else {
                output.append(character)
            }
        }
        return output
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: "")
    }
}

/// Calls `body` with C strings for `values` (nil stays NULL), valid only during the call.
private func withCStrings<T>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let pointers: [UnsafeMutablePointer<CChar>?] = values.map { $0.map { strdup($0) } ?? nil }
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
