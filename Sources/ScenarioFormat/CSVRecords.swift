import Foundation

/// The records of an RFC 4180 CSV text: fields separated by commas and records by CRLF, LF or
/// CR (Excel and Python's csv module write CRLF); a field in double quotes may hold commas, line
/// breaks and doubled quotes; a UTF-8 byte-order mark at the start is skipped.
///
/// Written here rather than taken from a library because every problem in a matrix file must
/// name its line, and a stray quote must be an error rather than guessed around; the CSV library
/// these machines offer (CSV.swift) gives neither.
struct CSVRecords {
    struct Record {
        /// The line the record starts on, from 1.
        let line: Int
        let fields: [String]
    }

    /// A record that cannot be read: where and why.
    struct Malformed: Error {
        let line: Int
        let message: String
    }

    /// A field longer than this is refused (nothing in a matrix file comes near it), so a
    /// 50 MB field is neither kept nor echoed.
    static let maxFieldBytes = 1024

    /// Calls `body` with each record in order; a malformed record (an unclosed or stray quote, a
    /// field over `maxFieldBytes`) is handed to `malformed` and reading goes on at the next line.
    static func read(_ data: Data, _ body: (Record) -> Void, malformed: (Malformed) -> Void) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            let quote = UInt8(ascii: "\"")
            let comma = UInt8(ascii: ",")
            let cr = UInt8(ascii: "\r")
            let lf = UInt8(ascii: "\n")
            var line = 1
            while index < bytes.count {
                let start = line
                var fields: [String] = []
                var field: [UInt8] = []
                var problem: String?
                var quoted = false
                var wasQuoted = false
                var ended = false
                func take(_ byte: UInt8) {
                    if field.count < maxFieldBytes {
                        field.append(byte)
                    } else if problem == nil {
                        problem = "field \(fields.count + 1) is longer than \(maxFieldBytes) bytes"
                    }
                }
                while index < bytes.count, !ended {
                    let byte = bytes[index]
                    index += 1
                    if quoted {
                        if byte == quote {
                            if index < bytes.count, bytes[index] == quote {
                                take(quote)
                                index += 1
                            } else {
                                quoted = false
                            }
                        } else {
                            if byte == lf || (byte == cr && (index >= bytes.count || bytes[index] != lf)) { line += 1 }
                            take(byte)
                        }
                        continue
                    }
                    switch byte {
                    case quote:
                        if field.isEmpty && !wasQuoted {
                            quoted = true
                            wasQuoted = true
                        } else if problem == nil {
                            problem =
                                "a quote inside field \(fields.count + 1) that does not start with one (write it \"like \"\"this\"\"\")"
                        }
                    case comma:
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        wasQuoted = false
                    case cr, lf:
                        if byte == cr, index < bytes.count, bytes[index] == lf { index += 1 }
                        line += 1
                        ended = true
                    default:
                        if wasQuoted, problem == nil {
                            problem = "text after the closing quote of field \(fields.count + 1)"
                        }
                        take(byte)
                    }
                }
                if quoted, problem == nil { problem = "a quoted field that is never closed" }
                fields.append(String(decoding: field, as: UTF8.self))
                if let problem {
                    malformed(Malformed(line: start, message: problem))
                } else {
                    body(Record(line: start, fields: fields))
                }
            }
        }
    }
}

extension String {
    /// The text as an error message may quote it: at most `limit` characters, then how long it is.
    func quotedForMessage(limit: Int = 40) -> String {
        count <= limit ? "'\(self)'" : "'\(prefix(limit))…' (\(count) characters)"
    }
}
