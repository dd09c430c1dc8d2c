import Foundation
import Testing

@testable import DispatchStore

@Suite("Stored JSON lists")
struct JSONTextTests {
    @Test("Plain lists are read without the decoder, exactly as the decoder reads them; anything else is left to it")
    func plainLists() throws {
        let plain: [(String, [String])] = [
            ("[]", []), ("[ ]", []), (#"["fiber"]"#, ["fiber"]), (#"["fiber","phone"]"#, ["fiber", "phone"]),
            (#"["fiber", "phone"]"#, ["fiber", "phone"]), (#"["", "é 北"]"#, ["", "é 北"]),
        ]
        for (text, expected) in plain {
            #expect(JSONText.plainList(text) == expected, "\(text)")
            #expect(try JSONDecoder().decode([String].self, from: Data(text.utf8)) == expected)
            #expect(try JSONText.strings(text, column: "t") == expected)
        }
        let others = [#"["a\"b"]"#, #"["a\u0041"]"#, "[1]", #"["a",]"#, #"["a"] x"#, #""a""#, #"["a" "b"]"#, "", "[", #"["a"#]
        for text in others { #expect(JSONText.plainList(text) == nil, "\(text)") }
        // Escapes still read, through the decoder.
        #expect(try JSONText.strings(#"["a\"b", "c\/d"]"#, column: "t") == ["a\"b", "c/d"])
        #expect(throws: StoreError.self) { try JSONText.strings("[1]", column: "orders.skills") }
        // What this program writes reads back through the plain path.
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<200 {
            let list = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                String((0..<Int.random(in: 0...6, using: &generator)).map { _ in "abz_-09 é".randomElement(using: &generator)! })
            }
            #expect(JSONText.plainList(JSONText.encode(list)) == list)
            checked += list.isEmpty ? 0 : 1
        }
        #expect(checked > 100)
    }
}
