import DispatchStore
import DispatchTestSupport
import Foundation
import Testing

/// A connection keeps what it worked out about a statement (SQLite: the compiled statement; both:
/// the result's labels) and runs it again: what it reads must be what is stored now.
@Suite("Statements run again")
struct StatementReuseTests {
    @Test(
        "A statement run again reads the rows as they are now, a column added meanwhile by name, after more statements than are kept",
        arguments: Backend.all)
    func runAgain(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let connection = database.connection
            try connection.executeScript("CREATE TABLE reuse (id INTEGER PRIMARY KEY, label TEXT)")
            let select = "SELECT * FROM reuse WHERE id >= ? ORDER BY id"
            func labels(from id: Int) throws -> [String] { try connection.query(select, [.integer(id)]).map { try $0.text("label") } }
            try connection.execute("INSERT INTO reuse (id, label) VALUES (?, ?)", [.integer(1), .text("one")])
            #expect(try labels(from: 1) == ["one"])
            // Another connection writes: the kept statement holds no snapshot from its last run.
            let other = try database.newConnection()
            defer { other.close() }
            try other.execute("INSERT INTO reuse (id, label) VALUES (?, ?)", [.integer(2), .text("two")])
            #expect(try labels(from: 1) == ["one", "two"])
            #expect(try labels(from: 2) == ["two"])
            // The table changes under the same statement text: the new column is read by its name.
            try other.executeScript("ALTER TABLE reuse ADD COLUMN note TEXT DEFAULT 'n'")
            if backend == .postgresql {
                // The server refuses a prepared statement whose result changed: the connection
                // prepares it again next time, and says this time may be run again.
                let refused = try #require(throws: StoreError.self) { try connection.query(select, [.integer(1)]) }
                #expect(refused.kind == .retryable && refused.sqlState == "0A000")
            }
            let rows = try connection.query(select, [.integer(1)])
            #expect(try rows.map { try $0.text("note") } == ["n", "n"])
            #expect(rows.first?.columns.names == ["id", "label", "note"])
            // More distinct statements than a connection keeps, then the first one again.
            for number in 0..<300 { #expect(try connection.query("SELECT \(number) AS n", []).first?.int("n") == number) }
            #expect(try labels(from: 1) == ["one", "two"])
            // A statement that fails leaves the connection usable, and fails again the same way.
            for _ in 0..<2 {
                #expect(throws: StoreError.self) {
                    try connection.execute("INSERT INTO reuse (id, label) VALUES (?, ?)", [.integer(1), .text("again")])
                }
            }
            #expect(try labels(from: 1) == ["one", "two"])
        }
    }
}
