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

    @Test("Text that is not JSON is refused")
    func refused() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("{\"a\":".utf8)) }
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data("<html>".utf8)) }
    }
}
