import Foundation

/// A strict reader of the iCalendar the feed produces (RFC 5545): it refuses a bare LF, a line
/// over 75 octets, a continuation that splits a UTF-8 character, unbalanced BEGIN/END, a
/// VCALENDAR without VERSION:2.0 and PRODID, and an event without UID, DTSTAMP, DTSTART (UTC
/// form), DTEND after it, SEQUENCE and STATUS, or with a UID seen before.
enum ICalendarParser {
    struct Calendar {
        var properties: [String: String] = [:]
        var events: [[String: String]] = []
        var foldedLines = 0
    }

    struct Refused: Error, CustomStringConvertible { let description: String }

    static func parse(_ data: Data) throws -> Calendar {
        var physical: [Data] = []
        var start = data.startIndex
        var index = data.startIndex
        while index < data.endIndex {
            if data[index] == 0x0A {
                guard index > data.startIndex, data[index - 1] == 0x0D else { throw Refused(description: "a line ends in a bare LF") }
                physical.append(data[start..<(index - 1)])
                start = index + 1
            }
            index += 1
        }
        guard start == data.endIndex else { throw Refused(description: "the last line does not end in CRLF") }
        var calendar = Calendar()
        var logical: [String] = []
        for line in physical {
            guard line.count <= 75 else { throw Refused(description: "a line of \(line.count) octets") }
            guard let text = String(data: line, encoding: .utf8) else {
                throw Refused(description: "a folded piece is not UTF-8 on its own")
            }
            if text.hasPrefix(" ") || text.hasPrefix("\t") {
                guard !logical.isEmpty else { throw Refused(description: "a continuation with nothing to continue") }
                logical[logical.count - 1] += String(text.dropFirst())
                calendar.foldedLines += 1
            } else {
                logical.append(text)
            }
        }
        var stack: [String] = []
        var event: [String: String]?
        var uids = Set<String>()
        for line in logical {
            guard let colon = line.firstIndex(of: ":") else { throw Refused(description: "no ':' in '\(line)'") }
            let name = String(line[..<colon].split(separator: ";")[0])
            let value = String(line[line.index(after: colon)...])
            guard !name.isEmpty, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "-" }) else {
                throw Refused(description: "bad property name '\(name)'")
            }
            switch name {
            case "BEGIN":
                stack.append(value)
                if value == "VEVENT" { event = [:] }
            case "END":
                guard stack.popLast() == value else { throw Refused(description: "END:\(value) does not close what is open") }
                if value == "VEVENT", let done = event {
                    for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS"] where done[required] == nil {
                        throw Refused(description: "an event without \(required)")
                    }
                    guard let begin = done["DTSTART"], let end = done["DTEND"], isUTC(begin), isUTC(end), begin < end else {
                        throw Refused(description: "bad DTSTART/DTEND in \(done)")
                    }
                    guard Int(done["SEQUENCE"] ?? "") != nil, uids.insert(done["UID"] ?? "").inserted else {
                        throw Refused(description: "bad SEQUENCE or repeated UID in \(done)")
                    }
                    calendar.events.append(done)
                    event = nil
                }
            default:
                if event != nil { event?[name] = value } else { calendar.properties[name] = value }
            }
        }
        guard stack.isEmpty else { throw Refused(description: "unclosed \(stack)") }
        guard calendar.properties["VERSION"] == "2.0", calendar.properties["PRODID"] != nil else {
            throw Refused(description: "VCALENDAR lacks VERSION:2.0 or PRODID")
        }
        return calendar
    }

    /// `20261123T010000Z`
    static func isUTC(_ value: String) -> Bool {
        value.count == 16 && value.hasSuffix("Z") && value[value.index(value.startIndex, offsetBy: 8)] == "T"
    }

    /// TEXT as RFC 5545 escapes it.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\n", with: "\\n")
    }
}
