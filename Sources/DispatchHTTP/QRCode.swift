/// A QR code (ISO/IEC 18004) of some bytes, for a sign-in link shown in a terminal
/// (`dispatch technicians token T --qr`): byte mode, error correction level M (15 % of the
/// code may be lost), versions 1 to 10 (up to 213 bytes), the mask with the lowest penalty.
public struct QRCode: Sendable {
    /// Modules by row, then column: true is dark.
    public let modules: [[Bool]]
    public let version: Int
    public let mask: Int

    public var size: Int { modules.count }

    /// Error correction of level M, by version: codewords per block, then (blocks, data codewords each) of each group.
    static let blocks: [(ec: Int, groups: [(count: Int, data: Int)])] = [
        (10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]),
        (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]), (26, [(4, 43), (1, 44)]),
    ]
    /// Centres of the alignment patterns, by version.
    static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    /// The smallest code that holds `bytes` (nil past 213 bytes); `mask` forces one of the eight.
    public init?(_ bytes: [UInt8], mask forced: Int? = nil) {
        guard
            let version = (1...10).first(where: { version in
                let capacity = Self.blocks[version - 1].groups.reduce(0) { $0 + $1.count * $1.data }
                return 4 + (version < 10 ? 8 : 16) + 8 * bytes.count <= 8 * capacity
            })
        else { return nil }
        self.version = version
        var grid = Grid(version: version)
        grid.place(Self.codewords(bytes, version: version))
        let chosen =
            forced
            ?? (0..<8).min { a, b in grid.masked(a).penalty < grid.masked(b).penalty } ?? 0
        mask = chosen
        modules = grid.masked(chosen).dark
    }

    public init?(_ text: String, mask: Int? = nil) { self.init(Array(text.utf8), mask: mask) }

    /// The data codewords (mode, count, bytes, terminator, padding) and their error correction,
    /// interleaved block by block as the symbol holds them.
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let layout = blocks[version - 1]
        let capacity = layout.groups.reduce(0) { $0 + $1.count * $1.data }
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append(value >> shift & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, 8 * capacity - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < capacity {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for group in layout.groups {
            for _ in 0..<group.count {
                dataBlocks.append(Array(data[offset..<offset + group.data]))
                offset += group.data
            }
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, degree: layout.ec) }
        var out: [UInt8] = []
        for index in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where index < block.count { out.append(block[index]) }
        }
        for index in 0..<layout.ec {
            for block in ecBlocks { out.append(block[index]) }
        }
        return out
    }

    /// The code in a terminal, two rows of modules a line (upper and lower half blocks), with
    /// the four-module quiet zone; light modules are drawn, dark ones left blank (as `qrencode
    /// -t UTF8` does: a terminal's dark background is the code's dark).
    public func terminalText() -> String {
        let quiet = 4
        let side = size + 2 * quiet
        func light(_ row: Int, _ column: Int) -> Bool {
            let r = row - quiet
            let c = column - quiet
            guard r >= 0, r < size, c >= 0, c < size else { return true }
            return !modules[r][c]
        }
        var lines: [String] = []
        for row in stride(from: 0, to: side, by: 2) {
            var line = ""
            for column in 0..<side {
                let top = light(row, column)
                let bottom = row + 1 < side ? light(row + 1, column) : false
                line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The modules with what marks them as function patterns (finders, timing, alignment, format
    /// and version areas), and the data placed.
    struct Grid {
        let size: Int
        let version: Int
        var dark: [[Bool]]
        var function: [[Bool]]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: Array(repeating: false, count: size), count: size)
            function = dark
            for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] { finder(row, column) }
            for index in 8..<(size - 8) {
                set(6, index, index % 2 == 0)
                set(index, 6, index % 2 == 0)
            }
            // Alignment patterns at every pair of centres but the three under the finders.
            let centres = QRCode.alignment[version - 1]
            if let first = centres.first, let last = centres.last {
                let corners = [[first, first], [first, last], [last, first]]
                for row in centres {
                    for column in centres where !corners.contains([row, column]) { alignment(row, column) }
                }
            }
            // The format areas, reserved now and written with the mask; the dark module.
            formatBits(0)
            set(size - 8, 8, true)
            if version >= 7 {
                let bits = QRCode.bch(version, generator: 0x1F25, degree: 12)
                for index in 0..<18 {
                    let on = bits >> index & 1 == 1
                    set(index / 3, size - 11 + index % 3, on)
                    set(size - 11 + index % 3, index / 3, on)
                }
            }
        }

        mutating func set(_ row: Int, _ column: Int, _ on: Bool) {
            dark[row][column] = on
            function[row][column] = true
        }

        /// A finder pattern centred at (row, column), with its light separator.
        mutating func finder(_ row: Int, _ column: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let r = row + dy
                    let c = column + dx
                    guard r >= 0, r < size, c >= 0, c < size else { continue }
                    let ring = max(abs(dx), abs(dy))
                    set(r, c, ring != 2 && ring != 4)
                }
            }
        }

        mutating func alignment(_ row: Int, _ column: Int) {
            for dy in -2...2 {
                for dx in -2...2 { set(row + dy, column + dx, max(abs(dx), abs(dy)) != 1) }
            }
        }

        /// The format information (level M, `mask`), both copies.
        mutating func formatBits(_ mask: Int) {
            let bits = QRCode.bch(mask, generator: 0x537, degree: 10) ^ 0x5412
            func bit(_ index: Int) -> Bool { bits >> index & 1 == 1 }
            for index in 0...5 { set(index, 8, bit(index)) }
            set(7, 8, bit(6))
            set(8, 8, bit(7))
            set(8, 7, bit(8))
            for index in 9..<15 { set(8, 14 - index, bit(index)) }
            for index in 0..<8 { set(8, size - 1 - index, bit(index)) }
            for index in 8..<15 { set(size - 15 + index, 8, bit(index)) }
        }

        /// The codewords' bits in the two-column zigzag, from the bottom right, skipping the
        /// function patterns and the vertical timing column.
        mutating func place(_ codewords: [UInt8]) {
            var index = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                let upward = (right + 1) & 2 == 0
                for step in 0..<size {
                    let row = upward ? size - 1 - step : step
                    for column in [right, right - 1] where !function[row][column] {
                        if index < codewords.count * 8 {
                            dark[row][column] = codewords[index >> 3] >> (7 - index & 7) & 1 == 1
                            index += 1
                        }
                    }
                }
                right -= 2
            }
        }

        static func masks(_ mask: Int, _ row: Int, _ column: Int) -> Bool {
            switch mask {
            case 0: (row + column) % 2 == 0
            case 1: row % 2 == 0
            case 2: column % 3 == 0
            case 3: (row + column) % 3 == 0
            case 4: (row / 2 + column / 3) % 2 == 0
            case 5: row * column % 2 + row * column % 3 == 0
            case 6: (row * column % 2 + row * column % 3) % 2 == 0
            default: ((row + column) % 2 + row * column % 3) % 2 == 0
            }
        }

        /// The grid with `mask` applied to the data modules and its format information written.
        func masked(_ mask: Int) -> Grid {
            var grid = self
            for row in 0..<size {
                for column in 0..<size where !function[row][column] && Self.masks(mask, row, column) {
                    grid.dark[row][column].toggle()
                }
            }
            grid.formatBits(mask)
            return grid
        }

        /// The penalty of the four rules: runs of five or more, 2×2 blocks, finder-like
        /// patterns, and the share of dark modules away from half.
        var penalty: Int {
            var total = 0
            let columns = (0..<size).map { column in dark.map { $0[column] } }
            let finderLike: [[Bool]] = [
                [true, false, true, true, true, false, true, false, false, false, false],
                [false, false, false, false, true, false, true, true, true, false, true],
            ]
            for line in dark + columns {
                var run = 1
                for index in 1..<line.count {
                    if line[index] == line[index - 1] {
                        run += 1
                    } else {
                        if run >= 5 { total += run - 2 }
                        run = 1
                    }
                }
                if run >= 5 { total += run - 2 }
                for start in 0...(line.count - 11) where finderLike.contains(where: { Array(line[start..<start + 11]) == $0 }) {
                    total += 40
                }
            }
            for row in 0..<(size - 1) {
                for column in 0..<(size - 1) {
                    let colour = dark[row][column]
                    if dark[row][column + 1] == colour, dark[row + 1][column] == colour, dark[row + 1][column + 1] == colour { total += 3 }
                }
            }
            let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
            total += abs(darkCount * 100 / (size * size) - 50) / 5 * 10
            return total
        }
    }

    /// `value` followed by its BCH remainder of `degree` bits under `generator`.
    static func bch(_ value: Int, generator: Int, degree: Int) -> Int {
        var remainder = value << degree
        for shift in stride(from: remainder.bitWidth - remainder.leadingZeroBitCount - 1, through: degree, by: -1)
        where remainder >> shift & 1 == 1 {
            remainder ^= generator << (shift - degree)
        }
        return value << degree | remainder
    }
}

/// Reed–Solomon error correction over GF(256) with the polynomial 0x11D, as QR codes use it.
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result: UInt8 = 0
        var a = a
        var b = b
        while b != 0 {
            if b & 1 == 1 { result ^= a }
            let carry = a & 0x80 != 0
            a <<= 1
            if carry { a ^= 0x1D }
            b >>= 1
        }
        return result
    }

    /// The generator polynomial's coefficients (highest first, the leading 1 left out).
    static func generator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                coefficients[index] = multiply(coefficients[index], root)
                if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return coefficients
    }

    /// The `degree` error-correction codewords of `data`.
    static func remainder(_ data: [UInt8], degree: Int) -> [UInt8] {
        let divisor = generator(degree: degree)
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in 0..<degree { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}
