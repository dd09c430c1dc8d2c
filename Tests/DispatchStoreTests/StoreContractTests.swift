import DispatchStore
import DispatchStorePostgres
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The contract every store backend honours; each test runs once per backend.
@Suite("Store contract")
struct StoreContractTests {
    @Test("Migrations apply once; running them again changes nothing", arguments: Backend.all)
    func migrationsAreIdempotent(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            #expect(try await database.store.pendingMigrations() == Array(1...20))
            #expect(try await database.store.migrate() == Array(1...20))
            #expect(try await database.store.migrate() == [])
            #expect(try await database.store.pendingMigrations() == [])
            let recorded = try database.connection.query("SELECT COUNT(*) AS n FROM schema_migrations", [])
            #expect(try recorded.first?.int("n") == 20)
        }
    }

    @Test("Using an unmigrated database is refused with the command to run", arguments: Backend.all)
    func unmigratedIsRefused(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let error = try await #require(throws: StoreError.self) { try await database.store.importScenario(SampleScenario.make()) }
            #expect(error.kind == .notMigrated)
            #expect(error.message.contains("dispatch db migrate"))
        }
    }

    @Test("Every field survives a round trip, time zones and UTF-8 included", arguments: Backend.all)
    func roundTrip(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let original = SampleScenario.make()
            _ = try await database.store.importScenario(original)
            let loaded = try #require(try await database.store.scenario(on: original.date))
            #expect(loaded == original)
            #expect(
                try await database.store.technicians()
                    == original.technicians.map { technician in
                        var copy = technician
                        copy.absent = false
                        return copy
                    })
            #expect(try await database.store.crews() == original.crews)
            let (zone, orders) = try await database.store.orders(on: original.date)
            #expect(zone?.identifier == "America/New_York")
            #expect(orders.map(\.order) == original.orders)
            #expect(orders.allSatisfy { $0.status == "new" && $0.serviceDay == original.date })
        }
    }

    /// A road matrix between every two places of `scenario` (by key), `seconds` and more a leg.
    static func matrix(of scenario: Scenario, seconds: Int) -> RoadLegs {
        let keys = RoadLegs.places(technicians: scenario.technicians, orders: scenario.orders.map { ($0.id, $0.location) })
        let places = Dictionary(keys.map { ($0.key, $0.place) }, uniquingKeysWith: { first, _ in first })
        let rows = keys.flatMap { a in
            keys.filter { $0.key != a.key }.map { b in
                RoadLegs.Row(from: a.key, to: b.key, leg: RoadLegs.Leg(seconds: seconds + a.key.count * 7, meters: b.key.count * 100))
            }
        }
        return RoadLegs(source: "matrix roads.csv", fallback: true, rows: rows, places: places)
    }

    @Test("A day's road matrix is stored by key, read back at its places, and imported again changes nothing", arguments: Backend.all)
    func matrixRoundTrip(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var scenario = SampleScenario.make()
            let keys = RoadLegs.places(technicians: scenario.technicians, orders: scenario.orders.map { ($0.id, $0.location) })
            func matrix(_ seconds: Int) -> RoadLegs { Self.matrix(of: scenario, seconds: seconds) }
            scenario.travel.legs = matrix(600)
            let first = try await database.store.importScenario(scenario)
            // Places at one point share their legs: a row for each ordered pair of keys at different points.
            let pairs = keys.flatMap { a in keys.filter { $0.place != a.place } }.count
            #expect(pairs > 0 && first.travelLegs.total == pairs && first.travelLegs.changed == first.travelLegs.total)
            let loaded = try #require(try await database.store.scenario(on: scenario.date))
            #expect(loaded.travel == scenario.travel, "the legs, their source and fallback read back")
            #expect(try await database.store.importScenario(scenario).changedRows == 0)
            scenario.travel.legs = matrix(660)
            #expect(try await database.store.importScenario(scenario).travelLegs.changed == first.travelLegs.total)
            #expect(try #require(try await database.store.scenario(on: scenario.date)).travel.legs == matrix(660))
            // Back to straight lines: the rows go.
            scenario.travel.legs = nil
            #expect(try await database.store.importScenario(scenario).travelLegs.changed == first.travelLegs.total)
            #expect(try #require(try await database.store.scenario(on: scenario.date)).travel.legs == nil)
        }
    }

    /// Issue 26: every read of a day built its road matrix again from the rows (four million
    /// legs on a 2,000-order day, each reaction and each agenda).
    @Test("A day's road matrix is read once per process while its stamp stands; a new matrix is read anew", arguments: Backend.all)
    func matrixReadOnce(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let counting = CountingConnection(try database.newConnection())
            let store = SQLDispatchStore(connection: counting, legsCache: RoadLegsCache())
            _ = try await store.migrate()
            var scenario = SampleScenario.make()
            func matrix(_ seconds: Int) -> RoadLegs { Self.matrix(of: scenario, seconds: seconds) }
            scenario.travel.legs = matrix(600)
            _ = try await store.importScenario(scenario)
            let date = scenario.date
            let first = try #require(try await store.transaction { try $0.scenario(on: date) }?.travel.legs)
            let second = try #require(try await store.readTransaction { try $0.scenario(on: date) }?.travel.legs)
            #expect(first === second && first == matrix(600))
            #expect(counting.count(containing: "FROM travel_legs WHERE day = ? ORDER BY") == 1)
            // A new matrix gets a new stamp: read again, the new legs.
            scenario.travel.legs = matrix(900)
            _ = try await store.importScenario(scenario)
            let third = try #require(try await store.scenario(on: scenario.date)?.travel.legs)
            #expect(third == matrix(900))
            #expect(counting.count(containing: "FROM travel_legs WHERE day = ? ORDER BY") == 2)
            // A day written before the stamp existed (0) is read every time.
            try counting.execute("UPDATE service_days SET travel_stamp = 0", [])
            _ = try await store.scenario(on: scenario.date)
            _ = try await store.scenario(on: scenario.date)
            #expect(counting.count(containing: "FROM travel_legs WHERE day = ? ORDER BY") == 4)
            await store.close()
        }
    }

    @Test("Instants are stored as instants, not local text", arguments: Backend.all)
    func instantsAreStoredAsInstants(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            // 09:00 in New York on 2026-11-23 is 14:00 UTC, whatever zone the session uses.
            let sql =
                backend == .sqlite
                ? "SELECT window_start AS seconds, typeof(window_start) AS kind FROM orders WHERE id = 'WO-1001'"
                : "SELECT CAST(EXTRACT(EPOCH FROM window_start) AS bigint) AS seconds, pg_typeof(window_start)::text AS kind FROM "
                    + "orders WHERE id = 'WO-1001'"
            let row = try #require(try database.connection.query(sql, []).first)
            #expect(try row.int("seconds") == SampleScenario.instant("2026-11-23T14:00:00Z").secondsSinceEpoch)
            #expect(try row.text("kind") == (backend == .sqlite ? "integer" : "timestamp with time zone"))
        }
    }

    @Test("Importing the same scenario twice changes nothing", arguments: Backend.all)
    func reimportIsIdempotent(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let scenario = SampleScenario.make()
            let first = try await database.store.importScenario(scenario)
            #expect(first.changedRows > 0)
            #expect(first.orders.changed == 3 && first.technicians.changed == 2 && first.crews.changed == 2)
            let before = try await database.store.scenario(on: scenario.date)
            let revision = try await database.store.transaction { try $0.revision(of: scenario.date) }
            #expect(revision == 1)  // the import changed the day: a plan computed before it is stale
            let second = try await database.store.importScenario(scenario)
            #expect(second.changedRows == 0)
            #expect(second.orders.total == 3)
            #expect(try await database.store.scenario(on: scenario.date) == before)
            #expect(try await database.store.transaction { try $0.revision(of: scenario.date) } == revision)
        }
    }

    @Test("Re-importing with one changed order updates exactly that order", arguments: Backend.all)
    func reimportUpdatesChangedRows(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var scenario = SampleScenario.make()
            _ = try await database.store.importScenario(scenario)
            scenario.orders[2].durationMinutes = 90
            scenario.technicians[1].absent = false
            let summary = try await database.store.importScenario(scenario)
            #expect(summary.orders.changed == 1)
            #expect(summary.technicians.changed == 1)
            #expect(summary.changedRows == 2)
            #expect(try await database.store.scenario(on: scenario.date) == scenario)
        }
    }

    @Test("An import with one bad order stores nothing at all", arguments: Backend.all)
    func importIsAtomic(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            // A day already stored must come through untouched as well.
            var earlier = SampleScenario.make()
            earlier.date = SampleScenario.date("2026-11-22")
            earlier.orders = [earlier.orders[2]]
            _ = try await database.store.importScenario(earlier)
            let technicians = try await database.store.technicians()

            var bad = SampleScenario.make()
            bad.technicians[0].shift = Shift(start: SampleScenario.time("09:00"), end: SampleScenario.time("18:00"))
            bad.orders[2].durationMinutes = 0  // refused by a CHECK constraint, after the other rows were written
            let error = try await #require(throws: StoreError.self) { try await database.store.importScenario(bad) }
            guard case .constraint = error.kind else {
                Issue.record("expected a constraint error, got \(error)")
                return
            }
            #expect(try await database.store.scenario(on: bad.date) == nil)
            #expect(try await database.store.technicians() == technicians)
            #expect(try await database.store.orders(on: earlier.date).orders.map(\.order) == earlier.orders)
        }
    }

    @Test("Days are kept apart: listing one day shows only its orders", arguments: Backend.all)
    func daysAreSeparate(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            let other = try await database.store.orders(on: SampleScenario.date("2026-11-24"))
            #expect(other.orders.isEmpty && other.timeZone == nil)
            #expect(try await database.store.scenario(on: SampleScenario.date("2026-11-24")) == nil)
        }
    }

    @Test("A stored state the workflow does not know is an error naming the row, not a new order")
    func unknownStateIsRefused() async throws {
        try await TestDatabase.with(.sqlite) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            // The schema refuses it; a client that turns SQLite's checks off can still write it.
            try database.connection.execute("PRAGMA ignore_check_constraints = ON", [])
            try database.connection.execute("UPDATE orders SET status = 'teleported' WHERE id = 'WO-1001'", [])
            try database.connection.execute("PRAGMA ignore_check_constraints = OFF", [])
            let error = try await #require(throws: StoreError.self) {
                try await database.store.orders(on: SampleScenario.date("2026-11-23"))
            }
            #expect(error.kind == .corruptValue)
            #expect(error.message.contains("orders.status of order WO-1001 holds unknown value 'teleported'"), "\(error.message)")
        }
    }

    @Test("A change to a day the transaction has not locked is refused, and nothing of it is written", arguments: Backend.all)
    func changesNeedTheDayLock(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            let (first, second) = (SampleScenario.date("2026-11-23"), SampleScenario.date("2026-11-24"))
            try await database.store.transaction { tx in try tx.ensureServiceDay(second, like: first) }
            let before = try await database.store.transaction { tx in [try tx.revision(of: first), try tx.revision(of: second)] }
            // The order's own day is not held: its pin is not set.
            let pin = try await #require(throws: StoreError.self) {
                try await database.store.transaction { tx in
                    try tx.setPin("WO-1001", Pin(technicianID: "T01"), locked: try tx.lockDays([second]))
                }
            }
            #expect(pin.message.contains("changes 2026-11-23 without its lock (held: 2026-11-24)"), "\(pin.message)")
            // The day it would move to is not held: it does not move.
            let move = try await #require(throws: StoreError.self) {
                try await database.store.transaction { tx in try tx.setServiceDay("WO-1001", second, locked: try tx.lockDays([first])) }
            }
            #expect(move.message.contains("changes 2026-11-24 without its lock (held: 2026-11-23)"), "\(move.message)")
            let stored = try #require(try await database.store.transaction { tx in try tx.order("WO-1001") })
            let next: OrderState = stored.state == .new ? .scheduled : .new
            let state = try await #require(throws: StoreError.self) {
                try await database.store.transaction { tx in
                    try tx.setState("WO-1001", next, expected: stored.state, locked: try tx.lockDays([second]))
                }
            }
            #expect(state.message.contains("the state of order WO-1001 changes 2026-11-23 without its lock"), "\(state.message)")
            let order = try #require(try await database.store.transaction { tx in try tx.order("WO-1001") })
            #expect(order.order.pin == stored.order.pin && order.serviceDay == first && order.state == stored.state)
            #expect(try await database.store.transaction { tx in [try tx.revision(of: first), try tx.revision(of: second)] } == before)
            // With both days held it moves, and both revisions rise.
            try await database.store.transaction { tx in try tx.setServiceDay("WO-1001", second, locked: try tx.lockDays([first, second])) }
            let after = try await database.store.transaction { tx in [try tx.revision(of: first), try tx.revision(of: second)] }
            #expect(after[0]! > before[0]! && after[1]! > before[1]!)
            #expect(try await database.store.transaction { tx in try tx.order("WO-1001") }?.serviceDay == second)
        }
    }
}

/// The schema itself refuses bad data, even from a client that bypasses this program.
@Suite("Schema constraints")
struct SchemaConstraintTests {
    static let badRows: [(label: String, sql: String)] = [
        (
            "window ending before it starts",
            "UPDATE orders SET window_end = window_start - INTERVAL WHERE id = 'WO-1001'"
        ),
        ("unknown order type", "UPDATE orders SET type = 'patrol' WHERE id = 'WO-1001'"),
        ("unknown customer tier", "UPDATE customers SET tier = 'platinum' WHERE id = 'C-77'"),
        ("pin to an unknown technician", "UPDATE orders SET pinned_technician_id = 'T99' WHERE id = 'WO-1001'"),
        ("lock without a start", "UPDATE orders SET locked_start = NULL WHERE id = 'WO-1002'"),
        ("shift ending before it starts", "UPDATE technicians SET shift_end_minute = 300 WHERE id = 'T01'"),
        ("latitude off the globe", "UPDATE orders SET lat = 91 WHERE id = 'WO-1001'"),
        ("contract ending before it starts", "UPDATE crew_contracts SET valid_to = valid_from - ONE_DAY WHERE crew_id = 'acme'"),
    ]

    @Test("CHECK and foreign key constraints refuse bad rows", arguments: Backend.all)
    func constraintsRefuseBadRows(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            for (label, template) in Self.badRows {
                let sql =
                    template
                    .replacingOccurrences(of: "INTERVAL", with: backend == .sqlite ? "60" : "INTERVAL '1 minute'")
                    .replacingOccurrences(
                        of: "valid_from - ONE_DAY", with: backend == .sqlite ? "date(valid_from, '-1 day')" : "valid_from - 1")
                do {
                    try database.connection.execute(sql, [])
                    Issue.record("\(backend): \(label) was accepted")
                } catch let error as StoreError {
                    guard case .constraint = error.kind else {
                        Issue.record("\(backend): \(label) failed for another reason: \(error)")
                        continue
                    }
                }
            }
        }
    }
}

@Suite("Refusals never echo row values")
struct RefusalRedactionTests {
    @Test("A refused row's values (a customer's phone) stay out of the error", arguments: Backend.all)
    func refusedRowIsNotEchoed(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let phone = "+86 138 5555 0199"
            let error = try #require(throws: StoreError.self) {
                try database.connection.execute(
                    "INSERT INTO customers (id, name, tier, phone) VALUES (?, ?, ?, ?)",
                    [.text("C-1"), .text("Li Na"), .text("platinum"), .text(phone)])
            }
            guard case .constraint = error.kind else {
                Issue.record("not a constraint refusal: \(error)")
                return
            }
            #expect(!error.description.contains(phone) && !error.description.contains("Li Na"), "\(error)")
        }
    }
}

@Suite("Database selection")
struct DatabaseLocationTests {
    @Test("--database wins over DISPATCH_DATABASE, which wins over the embedded default")
    func precedence() throws {
        let environment = ["DISPATCH_DATABASE": "postgresql://db.example/dispatch"]
        #expect(try DatabaseLocation.resolve(argument: "sqlite:x.sqlite", environment: environment) == .sqlite(path: "x.sqlite"))
        #expect(
            try DatabaseLocation.resolve(argument: nil, environment: environment) == .postgres(conninfo: "postgresql://db.example/dispatch")
        )
        #expect(try DatabaseLocation.resolve(argument: nil, environment: [:]) == .sqlite(path: "dispatch.sqlite"))
    }

    @Test(
        "Every accepted spelling maps to its backend",
        arguments: [
            ("sqlite:day.sqlite", DatabaseLocation.sqlite(path: "day.sqlite")),
            ("sqlite:///var/lib/dispatch.sqlite", .sqlite(path: "/var/lib/dispatch.sqlite")),
            ("postgres://u@h/db", .postgres(conninfo: "postgres://u@h/db")),
            ("postgresql://u@h:5433/db?sslmode=require", .postgres(conninfo: "postgresql://u@h:5433/db?sslmode=require")),
            ("host=/run/postgresql dbname=dispatch", .postgres(conninfo: "host=/run/postgresql dbname=dispatch")),
        ])
    func spellings(_ text: String, _ expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation(parsing: text) == expected)
    }

    @Test(
        "An SQLite URI filename (another VFS, open options) is refused", arguments: ["sqlite:file:x.sqlite?vfs=unix-none", "sqlite:FILE:x"])
    func refusesSQLiteURIs(_ text: String) throws {
        let error = try #require(throws: StoreError.self) { try DatabaseLocation(parsing: text) }
        #expect(error.kind == .configuration && error.message.contains("plain file path"))
    }

    @Test("Anything else is refused with the accepted forms, password hidden")
    func refusesUnknown() throws {
        let error = try #require(throws: StoreError.self) { try DatabaseLocation(parsing: "mysql://root:hunter2@h/db") }
        #expect(error.kind == .configuration)
        #expect(!error.message.contains("hunter2"))
        #expect(error.message.contains("sqlite:PATH"))
    }

    @Test(
        "Passwords never appear in the printable form",
        arguments: [
            "postgresql://dispatch:hunter2@db:5432/prod",
            "postgresql://dispatch@db/prod?password=hunter2&sslmode=require",
            "host=db password=hunter2 dbname=prod",
            "host=db password='hunter2 with spaces' dbname=prod",
            "host=db password = hunter2 dbname=prod",
            "host=db password= hunter2 dbname=prod",
            "host=db password =hunter2 dbname=prod",
            "host=db PASSWORD='hun\\'ter2' dbname=prod",
            "host=db\tpassword\t=\thunter2 dbname=prod",
            "postgresql://dispatch@db/prod?passw%6Frd=hunter2",
            "postgresql://dispatch@db/prod?sslmode=require&%70assword=hunter2",
            "postgresql://dispatch:hun%40ter2@db/prod",
            "postgresql://dispatch:hunter2@db1,db2:5433/prod?target_session_attrs=read-write",
            "postgresql://dispatch@db/prod?PASSWORD=hunter2",
        ])
    func redactsPasswords(_ text: String) throws {
        let printable = try DatabaseLocation(parsing: text).description
        #expect(!printable.contains("hunter2") && !printable.contains("hun"), "\(printable)")
        #expect(printable.contains("***"))
        #expect(printable.contains("prod"))
    }

    @Test(
        "Text without a password is printed as it is",
        arguments: ["host=db dbname=prod user=passwordless", "postgresql://u@db/prod?sslmode=require", "host=db my_password_hint=x"])
    func keepsWhatIsNotSecret(_ text: String) throws {
        #expect(DatabaseLocation.redact(text) == text)
    }
}

/// Rows are read by column name; a stored value the reader cannot decode is reported with the
/// table and column it came from, never a position.
@Suite("Rows by column name")
struct RowDecodingTests {
    @Test(
        "Each backend labels its result columns so rows read them by name, and a value that does not decode names its table",
        arguments: Backend.all)
    func realQueriesReadByName(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(SampleScenario.make())
            let instant = database.connection.dialect.instantColumn("o.window_start")
            let rows = try database.connection.query(
                """
                SELECT o.id, o.duration_minutes, \(instant), c.id AS Customer_ID, c.tier
                FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 'WO-1001'
                """, [])
            let row = try #require(rows.first)
            #expect(row.columns.names == ["id", "duration_minutes", "window_start", "customer_id", "tier"])
            #expect(try row.int("window_start") == SampleScenario.instant("2026-11-23T14:00:00Z").secondsSinceEpoch)
            #expect(try row.int("duration_minutes") > 0)
            let error = #expect(throws: StoreError.self) { _ = try row.int("tier") }
            #expect(error?.message.hasPrefix("customers.tier holds '") == true, "\(String(describing: error))")
            #expect(error?.message.hasSuffix("', not a whole number") == true)
            let customer = #expect(throws: StoreError.self) { _ = try row.double("customer_id") }
            #expect(customer?.message.hasPrefix("customers.id holds") == true, "\(String(describing: customer))")
            let missing = #expect(throws: StoreError.self) { _ = try row.text("phone") }
            #expect(missing?.message == "the query on orders has no column named 'phone'")
        }
    }

    @Test("Computed and aliased columns are traced back to their table on PostgreSQL's form of a query")
    func describesColumnsOfPostgresQueries() throws {
        let sql = """
            SELECT o.id, c.id AS customer_id, CAST(EXTRACT(EPOCH FROM o.window_start) AS bigint) AS window_start,
                   to_char(o.service_day, 'YYYY-MM-DD') AS service_day, status
            FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.service_day = $1
            """
        let columns = SQLColumns(names: ["id", "customer_id", "window_start", "service_day", "status"], sql: sql)
        let row = SQLRow([.text("WO-1"), .null, .text("soon"), .text("x"), .text("new")], columns: columns)
        let computed = #expect(throws: StoreError.self) { _ = try row.int("window_start") }
        #expect(computed?.message == "orders.window_start holds 'soon', not a whole number")
        let aliased = #expect(throws: StoreError.self) { _ = try row.text("customer_id") }
        #expect(aliased?.message == "customers.id is unexpectedly NULL")
        let unqualified = #expect(throws: StoreError.self) { _ = try row.int("status") }
        #expect(unqualified?.message == "orders.status holds 'new', not a whole number")
        let date = #expect(throws: StoreError.self) { _ = try row.int("service_day") }
        #expect(date?.message == "orders.service_day holds 'x', not a whole number")
    }
}

/// PostgreSQL refuses a connection when its slots are taken (`max_connections`, or a role's
/// `CONNECTION LIMIT`); a command then waits for a slot rather than failing, and any other
/// refusal is reported at once.
@Suite("PostgreSQL connection slots")
struct ConnectionSlotTests {
    /// Holds the connection that takes the only slot, so another thread can close it (once).
    final class Holder: @unchecked Sendable {
        private let lock = NSLock()
        private var connection: PostgresConnection?
        init(_ connection: PostgresConnection) { self.connection = connection }
        func close() {
            lock.withLock {
                connection?.close()
                connection = nil
            }
        }
    }

    @Test("A full server is waited for until a slot frees; a refusal for another reason is not", .postgresql)
    func waitsForASlot() throws {
        guard let base = ProcessInfo.processInfo.environment[Backend.postgresVariable], !base.isEmpty else {
            Issue.record("\(Backend.postgresVariable) is not set: run the suite with scripts/test")
            return
        }
        let admin = try PostgresConnection(conninfo: base)
        defer { admin.close() }
        let role = "slot_\(UUID().uuidString.lowercased().prefix(8))"
        try admin.executeScript("CREATE ROLE \(role) LOGIN CONNECTION LIMIT 1")
        defer { try? admin.executeScript("DROP ROLE IF EXISTS \(role)") }
        let asRole = "\(base) user=\(role)"

        let holder = Holder(try PostgresConnection(conninfo: asRole))
        defer { holder.close() }
        // Without waiting, the second connection is refused: the slot really is taken.
        #expect {
            try PostgresConnection(conninfo: asRole, slotWait: 0)
        } throws: { error in
            "\(error)".contains("too many connections for role")
        }

        let closer = Thread {
            // the scenario: the slot frees a second later
            Thread.sleep(forTimeInterval: 1)
            holder.close()
        }
        closer.start()
        let waited = try PostgresConnection(conninfo: asRole, slotWait: 60)
        #expect(waited.connectAttempts > 1, "the first attempt found the slot taken and the connection was asked again")
        #expect(try waited.query("SELECT current_user AS who", []).first?.text("who") == role)
        waited.close()

        // A database that does not exist is reported at once, not waited for.
        let started = Date()
        #expect {
            try PostgresConnection(conninfo: "\(base) dbname=no_such_database_\(role)", slotWait: 60)
        } throws: { error in
            "\(error)".contains("does not exist")
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
