import DispatchTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The dispatcher's desk through the binary: the Gantt chart files and the measures report.
@Suite("Desk commands", .serialized)
struct DeskCommandTests {
    /// The elements of an SVG document that the checks below need, read by a real XML parser.
    final class ChartReader: NSObject, XMLParserDelegate {
        var root: String?
        var visits: [(order: String, technician: String, tip: String)] = []
        var technicians: [String] = []
        var locks = 0
        var links = 0
        var linkTitles: [String] = []
        var texts: [String] = []
        private var text = ""

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if root == nil { root = name }
            text = ""
            switch (name, attributes["class"]) {
            case ("g", "visit"):
                visits.append((attributes["data-order"] ?? "", attributes["data-technician"] ?? "", attributes["data-tip"] ?? ""))
            case ("g", "technician"): technicians.append(attributes["data-technician"] ?? "")
            case ("path", "lock"): locks += 1
            case ("line", "link"): links += 1
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(text) }
            if name == "title" && text.hasPrefix("coordinated visit ") { linkTitles.append(text) }
        }

        static func read(_ data: Data) throws -> ChartReader {
            let reader = ChartReader()
            let parser = XMLParser(data: data)
            parser.delegate = reader
            guard parser.parse() else { throw TestSetupError(message: "not well-formed XML: \(String(describing: parser.parserError))") }
            return reader
        }
    }

    @Test("board --svg and --html draw every published visit, lock and coordinated link", arguments: Backend.all)
    func chartFiles(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await #require(
                try runner.importGenerated(["--orders", "160", "--technicians", "16", "--pairs", "0.4", "--seed", "3"], db) != nil)
            try await #require(
                runner.run(
                    "plan", "--date", "2026-11-23", "--commit", "--iterations", "300",
                    "--now", "2026-11-22T21:00:00+08:00", db
                ).status == 0)
            // Pre-arrival notices due by 10:00 go out: those visits are locked.
            try await #require(
                runner.run("notices", "send", "--sink", "file:notices.jsonl", "--now", "2026-11-23T10:00:00+08:00", db).status == 0)

            let svgPath = runner.directory.appendingPathComponent("board.svg").path
            let htmlPath = runner.directory.appendingPathComponent("board.html").path
            let board = try await runner.run("board", "--date", "2026-11-23", "--format", "json", "--svg", svgPath, "--html", htmlPath, db)
            try #require(board.status == 0, "\(board.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(board.stdout.utf8)) as? [String: Any])
            let rows = try #require(document["technicians"] as? [[String: Any]])
            var planned: [String: String] = [:]
            var notified = 0
            var groups: [String: Set<String>] = [:]
            for row in rows {
                for visit in row["visits"] as? [[String: Any]] ?? [] {
                    let order = visit["order"] as? String ?? ""
                    planned[order] = row["id"] as? String
                    if visit["locked"] as? Bool == true { notified += 1 }
                    if let group = visit["group"] as? String { groups[group, default: []].insert(row["id"] as? String ?? "") }
                }
            }
            let split = groups.filter { $0.value.count > 1 }
            // The cases the chart must show occurred in this day.
            #expect(
                planned.count > 50 && notified > 0 && !split.isEmpty, "planned \(planned.count), notified \(notified), split \(split.count)"
            )

            let chart = try ChartReader.read(try Data(contentsOf: URL(fileURLWithPath: svgPath)))
            #expect(chart.root == "svg")
            #expect(
                chart.technicians
                    == rows.compactMap { $0["id"] as? String }.sorted { lhs, rhs in
                        // In-house first, then each crew: the order of the rows in the chart.
                        let crew = { (id: String) in rows.first { $0["id"] as? String == id }?["crew"] as? String ?? "" }
                        return (crew(lhs), lhs) < (crew(rhs), rhs)
                    })
            #expect(Dictionary(chart.visits.map { ($0.order, $0.technician) }, uniquingKeysWith: { first, _ in first }) == planned)
            #expect(chart.visits.count == planned.count)
            #expect(chart.visits.allSatisfy { $0.tip.hasPrefix($0.order + " · ") })
            #expect(chart.locks == notified)
            #expect(chart.links == split.count)
            #expect(Set(chart.linkTitles) == Set(split.keys.map { "coordinated visit \($0)" }))
            #expect(chart.texts.contains("Board of 2026-11-23 (Asia/Shanghai)"))
            #expect(chart.texts.contains { $0.hasPrefix("plan version ") && $0.contains("\(planned.count) visits") })
            for label in [
                "scheduled", "notified (locked)", "appointment window", "travel", "break", "late", "at risk", "locked (notice sent)",
                "09:00", "12:00", "17:00",
            ] {
                #expect(chart.texts.contains(label), "no \(label) in the chart")
            }

            // The page: the same chart inline, the lists, nothing fetched from elsewhere.
            let page = try String(contentsOfFile: htmlPath, encoding: .utf8)
            let unassigned = (document["unassigned"] as? [Any])?.count ?? -1
            #expect(page.hasPrefix("<!doctype html>") && page.contains("<h2>Unassigned (\(unassigned))</h2>"))
            #expect(page.components(separatedBy: "class=\"visit\"").count - 1 == planned.count)
            #expect(!page.contains("src=") && !page.contains("href=") && !page.contains("@import"))

            // Written again over the same files: replaced whole, nothing left beside them.
            let again = try await runner.run("board", "--date", "2026-11-23", "--svg", svgPath, "--html", htmlPath, db)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: svgPath)).count > 1000)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: runner.directory.path).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty, "\(leftovers)")

            // A file that cannot be written: exit 2, one line naming the option, nothing left behind.
            let refused = try await runner.run("board", "--date", "2026-11-23", "--svg", "/nonexistent/dir/board.svg", db)
            #expect(refused.status == 2 && refused.stderr.contains("--svg /nonexistent/dir/board.svg"))

            // Only a regular file is ever replaced: a device and a symbolic link are refused and left as they are.
            let device = try await runner.run("board", "--date", "2026-11-23", "--svg", "/dev/null", db)
            #expect(device.status == 2 && device.stderr.contains("not a regular file"), "\(device.stderr)")
            var status = stat()
            #expect(lstat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR)
            let kept = try runner.write("kept.txt", "keep me")
            let link = runner.directory.appendingPathComponent("link.svg").path
            #expect(symlink(kept, link) == 0)
            let linked = try await runner.run("board", "--date", "2026-11-23", "--svg", link, db)
            #expect(linked.status == 2 && linked.stderr.contains("not a regular file"))
            #expect(try String(contentsOfFile: kept, encoding: .utf8) == "keep me")
            #expect(lstat(link, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK)
            // `-` is standard output.
            let printed = try await runner.run("board", "--date", "2026-11-23", "--svg", "-", db)
            #expect(printed.status == 0 && printed.stdout.contains("<svg"))
        }
    }

    @Test("report prints the measures as a table, CSV and JSON; bad ranges exit 2", arguments: Backend.all)
    func report(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await #require(try runner.publishSample(db))
            let range = ["--from", "2026-11-01", "--to", "2026-11-30"]

            let table = try await runner.run(["report"] + range + [db])
            #expect(table.status == 0)
            #expect(table.stdout.contains("Measures of 2026-11-01 to 2026-11-30: 4 orders on 1 service day"))
            #expect(table.stdout.contains("MEASURE") && table.stdout.contains("broadband") && table.stdout.contains("VIP"))
            // Two orders planned (the group is unassigned), never visited, none rebooked by the company.
            #expect(table.stdout.contains("Company-caused rebooking") && table.stdout.contains("0.0% (0/2)"))

            let csv = try await runner.run(["report"] + range + ["--format", "csv", "--by", "service", db])
            let lines = csv.stdout.split(separator: "\n")
            #expect(lines.first == "measure,column,hits,counted,value")
            #expect(lines.contains("company_caused_rebooking,all,0,2,0.0000"))

            let json = try await runner.run(["report"] + range + ["--format", "json", "--by", "territory", db])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(document["by"] as? String == "territory" && document["orders"] as? Int == 4)
            let measures = try #require(document["measures"] as? [[String: Any]])
            #expect(measures.map { $0["measure"] as? String ?? "" }.contains("satisfaction") && measures.count == 13)

            for (arguments, expected) in [
                (["--from", "2026-11-30", "--to", "2026-11-01"], "is after the last"),
                (["--from", "2026-11-31", "--to", "2026-12-01"], "--from '2026-11-31' is not a date"),
                (["--from", "2026-11-01", "--to", "2026-11-30", "--by", "colour"], "colour"),
            ] {
                let result = try await runner.run(["report"] + arguments + [db])
                #expect(result.status == 2 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            }
        }
    }
}
