import ArgumentParser
import DispatchHTTP
import DispatchOperations
import DispatchStore
import DispatchStorePostgres
import Foundation
import Logging
import SchedulingCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the technicians' HTTP API: their agenda, calendar feed and status reports.",
        discussion: """
            Endpoints (the OpenAPI document is at /openapi.yaml):
              GET  /healthz, /readyz                         the process; the database
              GET  /v1/me/agenda?date=D                      a technician's day (ETag, If-None-Match → 304)
              GET  /v1/me/calendar.ics?token=FEEDTOKEN       RFC 5545 feed, today and the next 7 days
              POST /v1/me/orders/{id}/status                 {"state": "en_route", ...}
              GET  /v1/technicians/{id}/agenda?date=D        any technician's day, for dispatchers

            Tokens: 'dispatch technicians token ID' (bearer), '--feed' (the calendar URL's), and \
            'dispatch dispatchers token NAME'. Errors are RFC 9457 problem details. One log line per \
            request on standard error (never a token or a customer's phone). SIGTERM or SIGINT stop it \
            gracefully: requests under way finish.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Database connections to use at once.")
    var connections = 4

    @Option(help: "Requests a second each token may make on average (it may burst to three times that).")
    var rateLimit: Double = 10

    @Option(
        help: ArgumentHelp(
            "Close a connection that sends nothing for this long (idle, or stalled mid-request).",
            valueName: "seconds"))
    var idleTimeout = 30

    @Option(
        help: ArgumentHelp(
            "Connections open at once, 1–100000; more wait in the listen backlog until one closes (at most what the process's "
                + "open-file limit leaves room for: lowered, and said, at start)."))
    var maxConnections = 512

    @Option(
        help: ArgumentHelp(
            "A request body must arrive whole within this time, 1–300 (a body trickled byte by byte is cut off: 408).",
            valueName: "seconds"))
    var bodyTimeout = 10

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A reverse proxy (address or CIDR, e.g. 127.0.0.1 or 10.0.0.0/8) whose Forwarded / X-Forwarded-For header names "
                + "the client; repeat for several. Failed logins are then limited per client, not per proxy.",
            valueName: "cidr"))
    var trustedProxies: [String] = []

    @Option(help: ArgumentHelp("How long the live board's Re-plan searches before it shows the proposal, 1–120.", valueName: "seconds"))
    var replanSeconds = 5.0

    @Option(
        help: ArgumentHelp(
            "A map tile server for the live board's map, with {z}, {x} and {y} (e.g. https://tiles.example.net/{z}/{x}/{y}.png); "
                + "default: the routes on a plain background, nothing loaded from elsewhere.",
            valueName: "url"))
    var mapTiles: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be between 1 and 3600 seconds") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be between 1 and 100000") }
        guard (1...64).contains(connections) else { throw ValidationError("--connections must be between 1 and 64") }
        guard rateLimit > 0, rateLimit <= 100_000 else { throw ValidationError("--rate-limit must be above 0 and at most 100000") }
        guard (1...300).contains(bodyTimeout) else { throw ValidationError("--body-timeout must be between 1 and 300 seconds") }
        guard replanSeconds >= 1, replanSeconds <= 120 else { throw ValidationError("--replan-seconds must be between 1 and 120") }
        if let mapTiles {
            guard ["{z}", "{x}", "{y}"].allSatisfy(mapTiles.contains), DispatchServer.tileOrigin(mapTiles) != nil else {
                throw ValidationError("--map-tiles is an http(s) URL with {z}, {x} and {y}, e.g. https://tiles.example.net/{z}/{x}/{y}.png")
            }
        }
        for proxy in trustedProxies where IPNetwork(proxy) == nil {
            throw ValidationError("--trusted-proxy '\(proxy.prefix(60))' is not an IP address or CIDR network (e.g. 10.0.0.0/8, ::1)")
        }
    }

    /// `maxConnections`, lowered to what the open-file limit leaves room for (the soft limit is
    /// raised to the hard one first): each connection is a descriptor, and so is each database
    /// connection, the listening socket and the log. A server past its limit fails to accept and
    /// spins. Nil when no lowering was needed; else the connections allowed and the limit.
    static func connectionRoom(wanted: Int, databaseConnections: Int) -> (allowed: Int, files: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // Descriptors the process needs besides its connections: standard streams, the
        // listener, the database's, and some room for files and the event loops.
        let reserved = 64 + 2 * databaseConnections
        let files = limit.rlim_cur > UInt(Int.max) ? Int.max : Int(limit.rlim_cur)
        guard wanted + reserved > files else { return nil }
        return (max(1, files - reserved), files)
    }

    func run() async throws {
        try await reporting {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
            let logger = Logger(label: "dispatch.http")
            let storeLogger = Logger(label: "dispatch.store")
            let (store, location) = try database.openPool(connections) { event in storeLogger.warning("\(event)") }
            // The one rule for time: DISPATCH_NOW serves a replayed day (the clock stands still there).
            let clock = try actingClock(nil)
            if clock is FixedClock {
                logger.warning("serving as at a fixed time from DISPATCH_NOW: \(ServiceTimeZone.utc.rfc3339(clock.now()))")
            }
            let operations = DispatchOperations(store: store, clock: clock)
            try await operations.ping()
            var settings = DispatchServer.Settings(host: host, port: port, ratePerSecond: rateLimit, burst: rateLimit * 3)
            settings.idleTimeoutSeconds = Int64(idleTimeout)
            settings.maxConnections = maxConnections
            settings.bodySeconds = Double(bodyTimeout)
            settings.trustedProxies = TrustedProxies(trustedProxies.compactMap(IPNetwork.init))
            settings.replanSeconds = replanSeconds
            settings.mapTiles = mapTiles
            if let room = Self.connectionRoom(wanted: maxConnections, databaseConnections: connections) {
                settings.maxConnections = room.allowed
                let message =
                    "--max-connections \(maxConnections) lowered to \(room.allowed): the process may open \(room.files) files "
                    + "(raise it with ulimit -n or LimitNOFILE= in the service unit)"
                logger.warning("\(message)")
            }
            // On PostgreSQL the day streams learn of every commit by LISTEN/NOTIFY, whichever process made it.
            var listener: PostgresListener?
            let listens = if case .postgres = location { true } else { false }
            let server = DispatchServer(operations: operations, settings: settings, logger: logger, notifiedCommits: listens)
            if case .postgres(let conninfo) = location {
                listener = PostgresListener(conninfo: conninfo, channel: StoreTransaction.eventChannel) { payload in
                    server.notified(payload)
                }
                listener?.start()
            }
            defer { listener?.stop() }
            let app = server.application { port in
                logger.info("serving", metadata: ["database": .string(location.description), "port": .stringConvertible(port)])
            }
            do {
                try await app.runService()
            } catch {
                await operations.close()
                // NIO's bind error names neither the address nor what to do.
                let text = "\(error)"
                if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
                    throw BadInput(
                        message: "cannot listen on \(host):\(port): the port is in use by another program "
                            + "(another dispatch serve?); choose another with --port, or --port 0 for any free one")
                }
                throw error
            }
            await operations.close()
        }
    }
}

struct Agenda: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a technician's day from the published plan, as their phone shows it.")

    @Option(help: ArgumentHelp("The technician.", valueName: "id"))
    var technician: String

    @Option(help: ArgumentHelp("The day, YYYY-MM-DD.", valueName: "date"))
    var date: String

    @Option(help: "table for people, json (the API's document) for scripts.")
    var format: OutputFormat = .table

    @Flag(help: "Print every column whole, however wide (the default fits 100 columns).")
    var wide = false

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let day = try BadInput.serviceDay(date)
            try await options.withOperations { operations in
                let agenda = try await operations.agenda(technician: technician, date: day)
                if format == .json {
                    print(String(decoding: try AgendaDocument.json(agenda), as: UTF8.self))
                    return
                }
                guard !agenda.visits.isEmpty else {
                    print("\(technician) has no visits on \(day)" + (agenda.version == nil ? " (nothing published)." : "."))
                    return
                }
                let zone = agenda.zone
                let rows = agenda.visits.map { visit -> [String] in
                    let order = visit.order.order
                    let window = order.window.map { "\(zone.local($0.start).time)–\(zone.local($0.end).time)" } ?? "any"
                    let partners = visit.partners.map { "\($0.order)/\($0.technician)" }.joined(separator: " ")
                    return [
                        "\(zone.local(visit.start).time)–\(zone.local(visit.end).time)", order.id,
                        "\(order.service.rawValue) \(order.type.rawValue)", window, visit.order.status,
                        order.customer.name ?? order.customer.id, visit.customerPhone ?? "-", order.address ?? "-",
                        partners.isEmpty ? "-" : partners, order.notes ?? "",
                    ]
                }
                print("\(technician) on \(day), plan version \(agenda.version.map(String.init) ?? "-") (\(zone))")
                print(
                    TextTable(
                        header: ["TIME", "ORDER", "WORK", "WINDOW", "STATE", "CUSTOMER", "PHONE", "ADDRESS", "WITH", "NOTES"],
                        rows: rows, wide: wide, optional: ["WITH", "WINDOW"]
                    ).render())
            }
        }
    }
}

struct Dispatchers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Dispatchers' API tokens.", subcommands: [Token.self])

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new API token for a dispatcher (alone on standard output), or revoke theirs.")

        @Argument(help: "The dispatcher's name.")
        var name: String

        @Flag(help: "Revoke every token of this dispatcher instead.")
        var revoke = false

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting { try await tokenCommand(.dispatcher, subject: name, revoke: revoke, options: options) }
        }
    }
}

struct TechnicianToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a new API token for a technician (alone on standard output), or revoke theirs.",
        discussion: """
            The bearer token opens the technician's agenda and status reports. --signin prints a one-time \
            link instead (BASE/t/signin#CODE, valid 15 minutes): opened on the technician's phone, it signs the \
            phone in to the technician's page (/t/: the day's visits, the reports as buttons, offline too) with \
            a token of its own, kept in an HttpOnly cookie (docs/browser.md); --qr prints the link and its QR \
            code, for the phone's camera. --feed makes a separate, \
            read-only token for the calendar feed URL (/v1/me/calendar.ics?token=…), which opens the feed and \
            nothing else, and is revoked on its own. Tokens are 256 random bits, stored only as a SHA-256 hash: \
            a lost token cannot be shown again, only replaced.
            """)

    @Argument(help: "The technician.")
    var technician: String

    @Flag(help: "A calendar feed token instead of a bearer token.")
    var feed = false

    @Flag(help: "A one-time sign-in link for the technician's phone (the page /t/; valid 15 minutes) instead of a token.")
    var signin = false

    @Flag(help: "The sign-in link (as --signin) and its QR code, drawn in the terminal for the phone's camera.")
    var qr = false

    @Option(help: ArgumentHelp("With --signin or --qr: the address phones reach 'dispatch serve' at.", valueName: "url"))
    var baseURL = "http://127.0.0.1:8080"

    @Flag(help: "Revoke every token of this kind for the technician instead.")
    var revoke = false

    @OptionGroup var options: OperationOptions

    func validate() throws {
        let signin = signin || qr
        if signin, feed || revoke { throw ValidationError("--signin makes a link: it goes with neither --feed nor --revoke") }
        if signin, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) || baseURL.contains("#") {
            throw ValidationError("--base-url is http(s)://host[:port][/path], without a fragment")
        }
    }

    func run() async throws {
        guard signin || qr else {
            try await reporting {
                try await tokenCommand(feed ? .feed : .technician, subject: technician, revoke: revoke, options: options)
            }
            return
        }
        try await reporting {
            try await options.withOperations { operations in
                let (code, expires) = try await operations.issueSignInCode(for: technician)
                // The code rides in the fragment: the browser never sends it, so no server or proxy logs it.
                let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
                let link = "\(base)/t/signin#\(code)"
                print(link)
                if qr {
                    guard let symbol = QRCode(link) else {
                        throw BadInput(message: "--base-url is too long for a QR code (213 bytes in all)")
                    }
                    print(symbol.terminalText())
                }
                Failure.printError(
                    "dispatch: a sign-in link for \(technician), valid once until \(expires) (\(DispatchOperations.signInMinutes) minutes); "
                        + "opened on the phone, it becomes that phone's own token (revoked with 'dispatch technicians token \(technician) --revoke')"
                )
            }
        }
    }
}

/// Issues (printing the token alone on stdout) or revokes tokens.
private func tokenCommand(_ kind: TokenKind, subject: String, revoke: Bool, options: OperationOptions) async throws {
    try await options.withOperations { operations in
        if revoke {
            let count = try await operations.revokeTokens(kind, for: subject)
            Failure.printError("dispatch: revoked \(plural(count, "\(kind.rawValue) token")) of \(subject)")
        } else {
            print(try await operations.issueToken(kind, for: subject))
        }
    }
}
