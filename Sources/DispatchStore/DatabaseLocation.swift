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
            // An SQLite URI filename could name another VFS (vfs=unix-none turns locking off) or
            // open options; only plain paths are accepted.
            guard !path.lowercased().hasPrefix("file:") else {
                throw StoreError(.configuration, "'sqlite:\(path)': SQLite URI filenames are not accepted; give a plain file path")
            }
            self = .sqlite(path: path)
        } else if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            self = .postgres(conninfo: trimmed)
        } else if Self.looksLikeKeywords(trimmed) {
            self = .postgres(conninfo: trimmed)
        } else {
            throw StoreError(
                .configuration,
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

    /// Removes passwords from every form libpq reads: a URI's user information
    /// (`user:secret@`) and query parameters whose name, percent-decoded, is `password`
    /// (`?password=x`, `?passw%6Frd=x`), and keyword strings with any spacing around `=`
    /// (`password=x`, `password = x`, `password= 'a b'`). The one routine every printed or logged
    /// database location goes through.
    public static func redact(_ text: String) -> String {
        var result = text
        if let scheme = result.range(of: "://") {
            // The authority ends at the path, query or fragment; its last `@` ends the user information.
            let authorityEnd = result[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? result.endIndex
            if let at = result[scheme.upperBound..<authorityEnd].lastIndex(of: "@"),
                let colon = result[scheme.upperBound..<at].firstIndex(of: ":")
            {
                result.replaceSubrange(result.index(after: colon)..<at, with: "***")
            }
            if let question = result.firstIndex(of: "?") {
                let query = result[result.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map {
                    pair -> String in
                    guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
                    let name = String(pair[..<equals]).removingPercentEncoding ?? String(pair[..<equals])
                    return Self.isSecret(name) ? pair[...equals] + "***" : String(pair)
                }
                result = result[...question] + query.joined(separator: "&")
            }
        }
        return redactKeywords(in: result)
    }

    /// Whether a connection parameter's name holds a secret.
    static func isSecret(_ name: String) -> Bool {
        name.trimmingCharacters(in: .whitespaces).lowercased() == "password"
    }

    /// Masks the value of every `password` keyword of a libpq keyword string: the key, optional
    /// spaces, `=`, optional spaces, then a value quoted with `'…'` (backslash escapes) or running
    /// to the next space. Text that is not a keyword string passes through unchanged.
    static func redactKeywords(in text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let match = rest.range(of: "password", options: .caseInsensitive) {
            // Only a whole word: not the tail of another key.
            let before = match.lowerBound == rest.startIndex ? nil : rest[rest.index(before: match.lowerBound)]
            var cursor = match.upperBound
            while cursor < rest.endIndex, rest[cursor] == " " || rest[cursor] == "\t" { cursor = rest.index(after: cursor) }
            guard before.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true, cursor < rest.endIndex, rest[cursor] == "=" else {
                output += rest[..<match.upperBound]
                rest = rest[match.upperBound...]
                continue
            }
            cursor = rest.index(after: cursor)
            while cursor < rest.endIndex, rest[cursor] == " " || rest[cursor] == "\t" { cursor = rest.index(after: cursor) }
            output += rest[..<cursor] + "***"
            if cursor < rest.endIndex, rest[cursor] == "'" {
                cursor = rest.index(after: cursor)
                while cursor < rest.endIndex, rest[cursor] != "'" {
                    if rest[cursor] == "\\" { cursor = rest.index(after: cursor) }
                    if cursor < rest.endIndex { cursor = rest.index(after: cursor) }
                }
                if cursor < rest.endIndex { cursor = rest.index(after: cursor) }
            } else {
                while cursor < rest.endIndex, !" \t&".contains(rest[cursor]) { cursor = rest.index(after: cursor) }
            }
            rest = rest[cursor...]
        }
        return output + rest
    }
}
