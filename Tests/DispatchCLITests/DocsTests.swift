import DispatchTestSupport
import Foundation
import Testing

/// The manual's command examples against the binary: every `dispatch …` line in a code block of
/// the README and docs/ names commands that exist, with options their `--help` lists.
@Suite("The manual's examples")
struct DocsTests {
    struct Example: CustomStringConvertible {
        let file: String
        let line: Int
        let words: [String]
        var description: String { "\(file):\(line): dispatch \(words.joined(separator: " "))" }
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
                if raw.hasPrefix("```") { fenced.toggle(); continue }
                guard fenced else { continue }
                var line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("$ ") { line.removeFirst(2) }
                guard line.hasPrefix("dispatch ") else { continue }
                let words = Self.words(String(line.dropFirst("dispatch ".count)))
                found.append(Example(file: file, line: index + 1, words: words))
            }
        }
        return found
    }

    /// Shell-like words: quotes group, `#` outside quotes starts a comment, `|`, `>` and `&&` end the command.
    static func words(_ text: String) -> [String] {
        var words: [String] = [], current = "", quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == " " {
                if !current.isEmpty { words.append(current); current = "" }
            } else if character == "#" && current.isEmpty || character == "|" || character == ">" || character == "&" {
                break
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    @Test("Every dispatch example in README.md and docs/ names a real command and only options its --help lists")
    func examplesMatchHelp() throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        var helps: [[String]: String] = [:]
        func help(_ path: [String]) throws -> String {
            if let known = helps[path] { return known }
            let text = try cli.run(path + ["--help"]).stdout
            helps[path] = text
            return text
        }
        /// Subcommand names of a help text, and the one run by default.
        func subcommands(_ text: String) -> (names: Set<String>, fallback: String?) {
            guard let section = text.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return ([], nil) }
            var names = Set<String>(), fallback: String?
            for line in section.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
                let parts = line.split(separator: " ")
                guard let name = parts.first.map(String.init), name != "See" else { continue }
                names.insert(name)
                if parts.count > 1, parts[1] == "(default)" { fallback = name }
            }
            return (names, fallback)
        }
        let examples = try Self.examples()
        #expect(examples.count > 100, "found only \(examples.count) examples")
        var checked = 0
        for example in examples {
            var path: [String] = []
            var rest = example.words[...]
            while let word = rest.first, subcommands(try help(path)).names.contains(word) {
                path.append(word)
                rest = rest.dropFirst()
            }
            if let fallback = subcommands(try help(path)).fallback { path.append(fallback) }
            let text = try help(path)
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
}
