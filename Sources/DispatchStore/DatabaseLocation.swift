import Foundation

/// Which database a command talks to, chosen from `--database`, `DISPATCH_DATABASE`, or the default.
public enum DatabaseLocation: Hashable, Sendable, CustomStringConvertible {
    /// An SQLite file (created on first use); `:memory:` for a private in-memory database.
    case sqlite(path: String)
    /// A libpq connection string: a `postgresql://` URI or `key=value` keywords. Empty keywords
    /// fall back to libpq's environment variables (PGHOST, PGUSER, …) and password file.
    case postgres(conninfo: String)

    /// The embedded default: a file in the current directory.
    public static let defaultSQLite = DatabaseLocation.sqlite(path: "dispatch.sqlite")
    public static let environmentVariable = "DISPATCH_DATABASE"

    /// `--database` wins, then `DISPATCH_DATABASE`, then the embedded SQLite file.
    public static func resolve(argument: String?, environment: [String: String]) throws -> DatabaseLocation {
        if let argument { return try DatabaseLocation(parsing: argument) }
        if let value = environment[environmentVariable], !value.isEmpty {
            do {
                return try DatabaseLocation(parsing: value)
            } catch let error as StoreError {
                throw StoreError(.configuration, "\(environmentVariable): \(error.message)")
            }
        }
        return defaultSQLite
    }

    /// Accepts `sqlite:PATH`, `sqlite://PATH`, `postgresql://…`, `postgres://…` and libpq keyword strings.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw StoreError(.configuration, "'sqlite:' needs a file path, e.g. sqlite:dispatch.sqlite") }
            self = .sqlite(path: path)
        } else if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            self = .postgres(conninfo: trimmed)
        } else if Self.looksLikeKeywords(trimmed) {
            self = .postgres(conninfo: trimmed)
        } else {
            throw StoreError(.configuration,
                "unrecognised database '\(Self.redact(trimmed))': use sqlite:PATH, postgresql://USER@HOST/DB or 'host=… dbname=…'")
        }
    }

    /// A form safe to print: passwords replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let conninfo): return Self.redact(conninfo)
        }
    }

    static func looksLikeKeywords(_ text: String) -> Bool {
        guard let first = text.split(separator: " ").first, let equals = first.firstIndex(of: "=") else { return false }
        return first[..<equals].allSatisfy { $0.isLetter || $0 == "_" } && equals != first.startIndex
    }

    /// Removes passwords from a URI (`user:secret@`, `?password=secret`) or a keyword string.
    public static func redact(_ text: String) -> String {
        var result = text
        if let scheme = result.range(of: "://"),
           let at = result[scheme.upperBound...].firstIndex(of: "@") {
            let userInfo = result[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result.replaceSubrange(result.index(after: colon)..<at, with: "***")
            }
        }
        return redactKeyword("password", in: result)
    }

    /// Replaces the value after every `password=` (quoted or not, URI query or keyword form).
    static func redactKeyword(_ key: String, in text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let match = rest.range(of: "\(key)=", options: .caseInsensitive) {
            output += rest[..<match.upperBound] + "***"
            var cursor = match.upperBound
            if cursor < rest.endIndex, rest[cursor] == "'" {
                cursor = rest.index(after: cursor)
                while cursor < rest.endIndex, rest[cursor] != "'" {
                    if rest[cursor] == "\\" { cursor = rest.index(after: cursor) }
                    if cursor < rest.endIndex { cursor = rest.index(after: cursor) }
                }
                if cursor < rest.endIndex { cursor = rest.index(after: cursor) }
            } else {
                while cursor < rest.endIndex, !" &".contains(rest[cursor]) { cursor = rest.index(after: cursor) }
            }
            rest = rest[cursor...]
        }
        return output + rest
    }
}
