import SchedulingCore

/// A notice to be queued in the outbox; `body` is the JSON object delivered, built once.
public struct NoticeDraft: Hashable, Sendable {
    public var key: String
    public var kind: NoticeKind
    public var order: String
    public var technician: String?
    public var plannedStart: Instant?
    public var dueAt: Instant
    public var body: String

    public init(key: String, kind: NoticeKind, order: String, technician: String?, plannedStart: Instant?, dueAt: Instant, body: String) {
        self.key = key
        self.kind = kind
        self.order = order
        self.technician = technician
        self.plannedStart = plannedStart
        self.dueAt = dueAt
        self.body = body
    }
}

/// A notice in the outbox.
public struct StoredNotice: Hashable, Sendable {
    public var id: Int
    public var draft: NoticeDraft
    public var createdAt: Instant
    public var sentAt: Instant?
    public var cancelledAt: Instant?
    public var attempts: Int
    public var lastError: String?
    /// Sent, though a re-plan cancelled it while it was being delivered: the customer has it.
    public var cancelledInFlightAt: Instant?

    /// Neither sent nor cancelled.
    public var isPending: Bool { sentAt == nil && cancelledAt == nil }

    public init(
        id: Int, draft: NoticeDraft, createdAt: Instant, sentAt: Instant?, cancelledAt: Instant?, attempts: Int, lastError: String?,
        cancelledInFlightAt: Instant? = nil
    ) {
        self.cancelledInFlightAt = cancelledInFlightAt
        self.id = id
        self.draft = draft
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.cancelledAt = cancelledAt
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// Which notices a listing shows.
public enum NoticeFilter: Sendable {
    case all
    /// Unsent, not cancelled, due at or before the instant.
    case due(Instant)
    case sent
    case pending
}

/// A callback task of the in-house callback desk.
public struct CallbackTask: Hashable, Sendable {
    public var id: Int
    public var order: String
    public var cause: CallbackCause
    public var complaint: Int?
    public var createdAt: Instant
    public var dueAt: Instant
    public var channel: CallbackChannel
    public var attempts: Int
    public var answer: CallbackAnswer?
    public var reason: String?
    public var answeredAt: Instant?
    public var answeredBy: String?

    public init(
        id: Int, order: String, cause: CallbackCause, complaint: Int?, createdAt: Instant, dueAt: Instant,
        channel: CallbackChannel, attempts: Int = 0, answer: CallbackAnswer? = nil, reason: String? = nil,
        answeredAt: Instant? = nil, answeredBy: String? = nil
    ) {
        self.id = id
        self.order = order
        self.cause = cause
        self.complaint = complaint
        self.createdAt = createdAt
        self.dueAt = dueAt
        self.channel = channel
        self.attempts = attempts
        self.answer = answer
        self.reason = reason
        self.answeredAt = answeredAt
        self.answeredBy = answeredBy
    }
}

/// The published (latest committed) version of a day's plan.
public struct PublishedPlan: Hashable, Sendable {
    public var version: Int
    /// The plan JSON as stored.
    public var document: String
    public var visits: [PlannedVisit]
    /// The orders the version leaves out, with their codes and reasons (read from their rows, so
    /// an operation never decodes the document to learn them), by order id.
    public var unassigned: [UnassignedOrder]
    /// The time the plan was made for (its notice rule counts from there).
    public var plannedFor: Instant

    public init(version: Int, document: String, visits: [PlannedVisit], unassigned: [UnassignedOrder] = [], plannedFor: Instant) {
        self.version = version
        self.document = document
        self.visits = visits
        self.unassigned = unassigned
        self.plannedFor = plannedFor
    }
}

/// Who an API token speaks for.
public enum TokenKind: String, CaseIterable, Hashable, Sendable {
    /// A technician's bearer token: their agenda and status reports.
    case technician
    /// A technician's read-only calendar feed token (it ends up in URLs and phone settings).
    case feed
    /// A dispatcher's bearer token.
    case dispatcher
    /// An integration client's token (the order system, the call centre, an event consumer): it
    /// opens what its scopes name and nothing else.
    case client
}

/// What an integration client's token may do: each `/v1/orders…` and `/v1/events` call needs one.
public enum ClientScope: String, CaseIterable, Hashable, Sendable {
    /// Read orders: their state, planned visit and history.
    case ordersRead = "orders:read"
    /// Create, change and cancel orders (reading them too).
    case ordersWrite = "orders:write"
    /// Ask for slot offers and book them (reading the orders booked too).
    case booking
    /// Read the event feed.
    case eventsRead = "events:read"

    /// The scopes a token carries, from their stored text (space-separated); text that names no
    /// scope is an error naming it.
    public static func parse(_ text: String) throws -> Set<ClientScope> {
        var scopes: Set<ClientScope> = []
        for name in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let scope = ClientScope(rawValue: String(name)) else {
                throw StoreError(
                    .database, "unknown scope '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            scopes.insert(scope)
        }
        return scopes
    }

    /// The scopes as stored and shown: space-separated, in the order of `allCases`.
    public static func text(_ scopes: Set<ClientScope>) -> String {
        allCases.filter(scopes.contains).map(\.rawValue).joined(separator: " ")
    }
}

/// A stored API token: never the secret, only its SHA-256.
public struct StoredToken: Hashable, Sendable {
    public var id: String
    public var kind: TokenKind
    public var subject: String
    public var secretSHA256: String
    public var createdAt: Instant
    public var revokedAt: Instant?
    /// What a client's token may do (none for the other kinds).
    public var scopes: Set<ClientScope>

    public init(
        id: String, kind: TokenKind, subject: String, secretSHA256: String, createdAt: Instant, revokedAt: Instant?,
        scopes: Set<ClientScope> = []
    ) {
        self.id = id
        self.kind = kind
        self.subject = subject
        self.secretSHA256 = secretSHA256
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.scopes = scopes
    }
}

/// One visit of one plan version, for the history of a technician's days.
public struct VersionedVisit: Hashable, Sendable {
    public var day: LocalDate
    public var version: Int
    public var visit: PlannedVisit
}

/// What one nightly run changed on one day, against the published plan it started from.
public struct NightlyDayDiff: Hashable, Sendable {
    public var day: LocalDate
    /// The version published, nil when the day did not change (or on a dry run).
    public var version: Int?
    /// Order ids per kind of change: visits kept (same technician, start within 15 minutes),
    /// moved (same technician, start moved more), reassigned (another technician), newly
    /// planned, gone to rebooking, and work that fitted nowhere this day.
    public var kept: [String] = []
    public var moved: [String] = []
    public var reassigned: [String] = []
    public var newlyPlanned: [String] = []
    public var toRebooking: [String] = []
    public var unassigned: [String] = []

    public init(day: LocalDate) { self.day = day }

    /// Visits whose time changed (moved or reassigned) or that are new.
    public var changed: Int { moved.count + reassigned.count + newlyPlanned.count + toRebooking.count }
}

/// One recorded nightly run.
public struct NightlyRun: Hashable, Sendable {
    public var id: Int
    public var startedAt: Instant
    public var finishedAt: Instant?
    public var firstDay: LocalDate
    public var days: Int
    public var dryRun: Bool
    public var outcome: NightlyOutcome
    public var message: String?
    public var diffs: [NightlyDayDiff]
}
