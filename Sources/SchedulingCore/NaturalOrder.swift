/// Ids as people count them: runs of digits compare by their value, so WO-2 comes before WO-10
/// (plain text order puts WO-10, WO-100 before WO-2). Ties fall back to the text itself.
public func naturallyBefore(_ a: String, _ b: String) -> Bool {
    var i = a.unicodeScalars.makeIterator()
    var j = b.unicodeScalars.makeIterator()
    var x = i.next()
    var y = j.next()
    func digit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { $0.value >= 48 && $0.value <= 57 } ?? false }
    while let p = x, let q = y {
        if digit(p) && digit(q) {
            var left = ""
            var right = ""
            while let d = x, digit(d) {
                left.unicodeScalars.append(d)
                x = i.next()
            }
            while let d = y, digit(d) {
                right.unicodeScalars.append(d)
                y = j.next()
            }
            let l = left.drop { $0 == "0" }
            let r = right.drop { $0 == "0" }
            if l.count != r.count { return l.count < r.count }
            if l != r { return l < r }
            continue
        }
        if p != q { return p.value < q.value }
        x = i.next()
        y = j.next()
    }
    if (x == nil) != (y == nil) { return x == nil }
    return a < b
}
