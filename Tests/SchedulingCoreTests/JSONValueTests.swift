import Foundation
import SchedulingCore
import Testing

@Suite("JSON documents")
struct JSONValueTests {
    @Test("Written with sorted keys and the shortest numbers, read back to the same value")
    func roundTrip() throws {
        let document: JSONValue = [
            "order": "WO-1", "cost": Money(cents: 19050).json, "whole": Money(cents: 19000).json, "speed": 60.17.json,
            "count": 3, "seed": UInt64.max.json, "group": Optional<String>.none.json, "contact": true,
            "url": "http://a/b", "list": [1, 2], "empty": .array([]), "Tier": "VIP",
        ]
        let text = document.text()
        #expect(
            text
                == #"{"Tier":"VIP","contact":true,"cost":190.5,"count":3,"empty":[],"group":null,"list":[1,2],"order":"WO-1","#
                + #""seed":18446744073709551615,"speed":60.17,"url":"http://a/b","whole":190}"#)
        #expect(document.text(escapingSlashes: true).contains(#""url":"http:\/\/a\/b""#))
        let read = try JSONValue(parsing: Data(text.utf8))
        #expect(read.text() == text)
        #expect(read["seed"] == .unsigned(UInt64.max))
        #expect(read["cost"]?.double == 190.5 && read["whole"]?.int == 190 && read["count"]?.int == 3)
        #expect(read["group"] == .null && read["missing"] == nil)
        #expect(read["list"]?.array?.count == 2 && read["list"]?.strings == nil)
        #expect(try JSONValue(parsing: Data(#"["a","b"]"#.utf8)).strings == ["a", "b"])
    }

    @Test("Pretty text is what the plan JSON and --format json print")
    func pretty() {
        let document: JSONValue = ["b": [1], "a": .object([:])]
        #expect(document.text(pretty: true) == "{\n  \"a\" : {\n\n  },\n  \"b\" : [\n    1\n  ]\n}")
    }

    @Test("The text is the bytes JSONEncoder writes for the same value, pretty or not, slashes escaped or not")
    func sameBytesAsTheEncoder() throws {
        var random = SeededGenerator(seed: 26)
        // Keys and texts from an alphabet with what a writer can get wrong: quotes, backslashes,
        // slashes, control characters, text beyond ASCII (two, three and four bytes), digits.
        let alphabet: [String] = [
            "a", "B", "z", "_", "9", "10", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}", "é", "\u{2028}", "\u{ffff}", "😀", " ",
        ]
        func text(_ length: Int) -> String { (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined() }
        var seen: Set<String> = []
        func value(_ depth: Int) -> JSONValue {
            let kind = random.next() % (depth > 3 ? 6 : 8)
            switch kind {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2: return .int(Int(bitPattern: UInt(random.next())) >> Int(random.next() % 64))
            case 3: return .unsigned(random.next())
            case 4:
                seen.insert("double")
                return .double([0.1, -0.0, 1e20, 1e-7, 190.5, 60.17, 123456789.123][Int(random.next() % 7)])
            case 5: return .string(text(Int(random.next() % 6)))
            case 6:
                let items = (0..<Int(random.next() % 4)).map { _ in value(depth + 1) }
                seen.insert(items.isEmpty ? "empty array" : "array")
                return .array(items)
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int(random.next() % 5) { members[text(1 + Int(random.next() % 3))] = value(depth + 1) }
                seen.insert(members.isEmpty ? "empty object" : members.count > 1 ? "object" : "one member")
                return .object(members)
            }
        }
        for _ in 0..<400 {
            let document = value(0)
            for pretty in [false, true] {
                for escapingSlashes in [false, true] {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
                    if !escapingSlashes { encoder.outputFormatting.insert(.withoutEscapingSlashes) }
                    let expected = String(decoding: try encoder.encode(document), as: UTF8.self)
                    #expect(document.text(pretty: pretty, escapingSlashes: escapingSlashes) == expected)
                }
            }
        }
        #expect(seen == ["double", "empty array", "array", "empty object", "object", "one member"])
        #expect(JSONValue.array([.double(.nan)]).text() == "null")
    }

    @Test("Text that is not JSON is refused")
    func refused() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("{\"a\":".utf8)) }
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("<html>".utf8)) }
    }
}
