import Foundation
import Testing

@testable import DispatchHTTP

/// The QR code a sign-in link is drawn as (`dispatch technicians token T --qr`). Decoded by an
/// independent reader (zxing-cpp) in `Tests/browser/qr.py`; here, against the standard's parts.
@Suite("QR codes")
struct QRCodeTests {
    @Test("Reed–Solomon: the standard's worked example (HELLO WORLD, 1-M) gives its ten error-correction codewords")
    func reedSolomon() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        #expect(ReedSolomon.remainder(data, degree: 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test("Byte mode: mode 0100, an 8-bit count, the bytes, a 4-bit terminator, then 0xEC 0x11 pads")
    func codewords() {
        let words = QRCode.codewords(Array("HELLO".utf8), version: 1)
        #expect(Array(words.prefix(16)) == [64, 84, 132, 84, 196, 196, 240, 236, 17, 236, 17, 236, 17, 236, 17, 236])
        #expect(Array(words.suffix(10)) == ReedSolomon.remainder(Array(words.prefix(16)), degree: 10))
    }

    /// The 15 format bits of the copy around the top-left finder, as placed.
    static func formatBits(_ code: QRCode) -> Int {
        let m = code.modules
        var positions: [(Int, Int)] = (0...5).map { ($0, 8) } + [(7, 8), (8, 8), (8, 7)]
        positions += (9..<15).map { (8, 14 - $0) }
        return positions.enumerated().reduce(0) { $0 | (m[$1.element.0][$1.element.1] ? 1 << $1.offset : 0) }
    }

    @Test(
        "Every version from 1 to 10, every mask: finders, timing, the dark module, format and version bits where the standard puts them",
        arguments: [1, 20, 40, 60, 80, 100, 120, 140, 170, 200])
    func structure(_ length: Int) throws {
        let text = String(repeating: "fds_0123456789abcdef_", count: 12).prefix(length)
        for mask in 0..<8 {
            let code = try #require(QRCode(String(text), mask: mask))
            let n = code.size
            #expect(n == 17 + 4 * code.version)
            #expect(code.mask == mask)
            // A finder in three corners: dark ring, light ring, dark 3×3 centre.
            for (top, left) in [(0, 0), (0, n - 7), (n - 7, 0)] {
                for dy in 0..<7 {
                    for dx in 0..<7 {
                        let ring = max(abs(dy - 3), abs(dx - 3))
                        #expect(code.modules[top + dy][left + dx] == (ring != 2))
                    }
                }
            }
            for index in 8..<(n - 8) {
                #expect(code.modules[6][index] == (index % 2 == 0) && code.modules[index][6] == (index % 2 == 0))
            }
            #expect(code.modules[n - 8][8])
            // Format: level M (00) and the mask, BCH-coded and masked with 0x5412; both copies agree.
            #expect(Self.formatBits(code) == QRCode.bch(mask, generator: 0x537, degree: 10) ^ 0x5412)
            let second = (0..<8).map { code.modules[8][n - 1 - $0] } + (8..<15).map { code.modules[n - 15 + $0][8] }
            #expect(second.enumerated().reduce(0) { $0 | ($1.element ? 1 << $1.offset : 0) } == Self.formatBits(code))
            if code.version >= 7 {
                let bits = (0..<18).reduce(0) { $0 | (code.modules[$1 / 3][n - 11 + $1 % 3] ? 1 << $1 : 0) }
                #expect(bits == QRCode.bch(code.version, generator: 0x1F25, degree: 12))
            }
        }
    }

    @Test("The smallest version that holds the bytes; past 213 bytes, none")
    func capacity() {
        #expect(QRCode(String(repeating: "a", count: 14))?.version == 1)
        #expect(QRCode(String(repeating: "a", count: 15))?.version == 2)
        #expect(QRCode(String(repeating: "a", count: 213))?.version == 10)
        #expect(QRCode(String(repeating: "a", count: 214)) == nil)
    }

    @Test("In a terminal: two rows a line, the quiet zone light, light modules drawn")
    func terminal() throws {
        let code = try #require(QRCode("https://dispatch.example.com/t/signin#fds_x"))
        let lines = code.terminalText().split(separator: "\n")
        #expect(lines.count == (code.size + 8 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == code.size + 8 })
        #expect(lines[0].allSatisfy { $0 == "█" })
    }
}
