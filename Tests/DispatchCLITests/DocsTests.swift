import DispatchTestSupport
import Foundation
import Testing

/// The manual's command examples against the binary: every `dispatch …` line in a code block of
/// the README and docs/ names commands that exist, with options their `--help` lists.
@Suite("The manual's examples", .tags(.slow))
struct DocsTests {
    struct Example: CustomStringConvertible {
        let file: String
        let line: Int
        let words: [String]
        /// The whole line as written (comment and redirection included).
        var raw = ""
        var description: String { "\(file):\(line): dispatch \(words.joined(separator: " "))" }

        /// The comment after `#`, outside quotes.
        var comment: String {
            var quote: Character?
            for (offset, character) in raw.enumerated() {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "#" {
                    return String(raw.dropFirst(offset + 1))
                }
            }
            return ""
        }

        /// `> FILE` after the command: where a shell would write its standard output.
        var redirect: String? {
            let command = raw.components(separatedBy: " #").first ?? raw
            guard let range = command.range(of: "> ") else { return nil }
            return command[range.upperBound...].split(separator: " ").first.map(String.init)
        }
    }

    /// `dispatch …` lines of fenced blocks (a `$ ` prompt allowed), comments cut, words split as a shell would.
    static func examples() throws -> [Example] {
        let root = DispatchRunner.packageRoot
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        var found: [Example] = []
        for file in ["README.md"] + docs {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            var fenced = false
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if raw.hasPrefix("```") {
                    fenced.toggle()
                    continue
                }
                guard fenced else { continue }
                var line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("$ ") { line.removeFirst(2) }
                if line.hasPrefix("export DISPATCH_NOW=") {
                    found.append(Example(file: file, line: index + 1, words: [], raw: line))
                    continue
                }
                guard line.hasPrefix("dispatch ") else { continue }
                let words = Self.words(String(line.dropFirst("dispatch ".count)))
                found.append(Example(file: file, line: index + 1, words: words, raw: line))
            }
        }
        return found
    }

    /// Shell-like words: quotes group, `#` outside quotes starts a comment, `|`, `>` and `&&` end the command.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == " " {
                if !current.isEmpty {
                    words.append(current)
                    current = ""
                }
            } else if character == "#" && current.isEmpty || character == "|" || character == ">" || character == "&" {
                break
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Subcommand names of a help text, and the one run by default.
    static func subcommands(_ text: String) -> (names: Set<String>, fallback: String?) {
        guard let section = text.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return ([], nil) }
        var names = Set<String>()
        var fallback: String?
        for line in section.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            let parts = line.split(separator: " ")
            guard let name = parts.first.map(String.init), name != "See" else { continue }
            names.insert(name)
            if parts.count > 1, parts[1] == "(default)" { fallback = name }
        }
        return (names, fallback)
    }

    @Test("Every dispatch example in README.md and docs/ names a real command and only options its --help lists")
    func examplesMatchHelp() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        var helps: [[String]: String] = [:]
        func help(_ path: [String]) async throws -> String {
            if let known = helps[path] { return known }
            let text = try await cli.run(path + ["--help"]).stdout
            helps[path] = text
            return text
        }
        let examples = try Self.examples().filter { !$0.words.isEmpty }
        #expect(examples.count > 100, "found only \(examples.count) examples")
        var checked = 0
        for example in examples {
            var path: [String] = []
            var rest = example.words[...]
            while let word = rest.first, Self.subcommands(try await help(path)).names.contains(word) {
                path.append(word)
                rest = rest.dropFirst()
            }
            if let fallback = Self.subcommands(try await help(path)).fallback { path.append(fallback) }
            let text = try await help(path)
            guard !path.isEmpty else {
                Issue.record("\(example): no command named '\(example.words.first ?? "")'")
                continue
            }
            for word in rest where word.hasPrefix("--") {
                let option = String(word.split(separator: "=").first ?? "")
                #expect(text.contains(option), "\(example): `dispatch \(path.joined(separator: " ")) --help` lists no \(option)")
            }
            checked += 1
        }
        #expect(checked == examples.count)
    }

    @Test("Every option of every command's --help is written about in docs/")
    func everyOptionDocumented() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let root = DispatchRunner.packageRoot.appendingPathComponent("docs")
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".md") }
            .map { try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        var commands = 0
        var missing: [String] = []
        var pending: [[String]] = [[]]
        while let path = pending.popLast() {
            let text = try await cli.run(path + ["--help"]).stdout
            commands += 1
            pending += Self.subcommands(text).names.map { path + [$0] }
            // Option lines are indented two spaces (`  --name <value>`, `  --flag/--no-flag`); help
            // text continues further in.
            let options = text.split(separator: "\n").filter { $0.hasPrefix("  --") }.flatMap { line -> [String] in
                let word = line.dropFirst(2).split(separator: " ").first.map(String.init) ?? ""
                return word.split(separator: "/").map { String($0.prefix { $0 != "," && $0 != "=" }) }
            }
            for option in Set(options) where !["--help", "--version"].contains(option) && !docs.contains(option) {
                missing.append("dispatch \(path.joined(separator: " ")) \(option)")
            }
        }
        #expect(commands > 40, "walked only \(commands) commands")
        #expect(missing.isEmpty, "options no page of docs/ mentions: \(missing.sorted().joined(separator: ", "))")
    }

    /// Why an example is not run here, or nil: it needs something a test machine has not got.
    static func notRun(_ example: Example) -> String? {
        let words = example.words
        if words.first == "serve" { return "serves until stopped" }
        if words.starts(with: ["nightly", "worker"]) { return "waits for work until idle" }
        if words.first == "nightly", let index = words.firstIndex(of: "--workers"), words.dropFirst(index + 1).first == "0" {
            return "waits for workers on other machines"
        }
        if words.starts(with: ["travel", "build"]) || words.starts(with: ["travel", "export"]) {
            return "needs a day on a routing engine (docs/roads.md)"
        }
        if words.first == "bench", words.count > 1, ["solomon", "sync"].contains(words[1]) { return "needs the public benchmark files" }
        if words.contains(where: { $0.contains("$") }) { return "names a shell variable" }
        if let index = words.firstIndex(of: "--database"), index + 1 < words.count, !words[index + 1].hasPrefix("sqlite:") {
            return "needs the database server it names"
        }
        if words.contains(where: { $0.hasPrefix("--database=") && !$0.hasPrefix("--database=sqlite:") }) {
            return "needs the database server it names"
        }
        if let index = words.firstIndex(of: "--sink"), index + 1 < words.count, words[index + 1].hasPrefix("http") {
            return "needs the SMS gateway it names"
        }
        return nil
    }

    /// The exit status an example's comment promises: a comment that begins `refused` means 2
    /// or 3 (bad input, or a conflict), `(exit N)` means N; anything else 0.
    static func expectedStatus(_ example: Example) -> ClosedRange<Int32> {
        let comment = example.comment.trimmingCharacters(in: .whitespaces)
        if comment.hasPrefix("refused") { return 2...3 }
        if let range = comment.range(of: #"\(exit \d\)"#, options: .regularExpression),
            let code = Int32(comment[range].dropFirst(6).prefix(1))
        {
            return code...code
        }
        return 0...0
    }

    /// Every page runs from a fresh directory holding `scenarios/` (the repository's) and the
    /// sample day under the names a page gives your own file, with a database where the sample
    /// day is imported and published as of the evening before (docs/README.md says so), and
    /// DISPATCH_NOW as the page's `export DISPATCH_NOW=…` lines set it.
    @Test("Every dispatch example in README.md and docs/ runs as written against the sample day")
    func examplesRun() async throws {
        let examples = try Self.examples()
        var byFile: [String: [Example]] = [:]
        for example in examples { byFile[example.file, default: []].append(example) }
        var ran = 0
        var skipped: [String] = []
        for file in byFile.keys.sorted() {
            var cli = try DispatchRunner()
            defer { cli.remove() }
            let root = DispatchRunner.packageRoot
            try FileManager.default.createSymbolicLink(
                at: cli.directory.appendingPathComponent("scenarios"),
                withDestinationURL: root.appendingPathComponent("scenarios"))
            for name in ["day.yaml", "day-2026-11-23.yaml"] {
                try FileManager.default.copyItem(
                    at: root.appendingPathComponent("scenarios/sample-day.yaml"),
                    to: cli.directory.appendingPathComponent(name))
            }
            for setup in [
                ["db", "migrate"], ["import", "scenarios/sample-day.yaml"],
                ["plan", "--date", "2026-11-23", "--commit", "--iterations", "300", "--now", "2026-11-22T20:00:00+08:00"],
            ] {
                let result = try await cli.run(setup)
                try #require(result.status == 0, "setting up for \(file): \(setup.joined(separator: " ")): \(result.stderr)")
            }
            for example in byFile[file] ?? [] {
                if example.words.isEmpty {
                    cli.environment["DISPATCH_NOW"] = String(
                        example.raw.dropFirst("export DISPATCH_NOW=".count)
                            .prefix { !$0.isWhitespace })
                    continue
                }
                if let reason = Self.notRun(example) {
                    skipped.append("\(example) (\(reason))")
                    continue
                }
                let result = try await cli.run(example.words)
                let expected = Self.expectedStatus(example)
                #expect(
                    expected.contains(result.status),
                    "\(example) exited \(result.status), expected \(expected): \(result.stderr.suffix(400))")
                if let target = example.redirect, result.status == 0 { _ = try cli.write(target, result.stdout) }
                ran += 1
            }
        }
        #expect(ran > 100, "ran only \(ran) examples")
        // What cannot run here is a short, known list: servers, remote databases, gateways.
        #expect(skipped.count <= 18, "\(skipped.count) examples not run:\n\(skipped.joined(separator: "\n"))")
    }
}
