import Statistics

/// Random text mutations for fuzzing sweep specs and claim files: character and line edits, value swaps,
/// control characters and invalid UTF-8.
enum Mutator {
    /// Characters likely to break YAML, SQL comments or header syntax.
    static let alphabet = Array(":-=[]{},;'\"#&*!|>%@`\\ \n\t\r0123456789.eE+xKVQ~\u{0}\u{7F}é")

    /// Replacement tokens for a whole value.
    static let tokens = [
        "0", "-1", "1e999", "99999999999999999999", "null", "~", "[]", "{}", "\"4\"", "4.5", "nan", ".inf", "*a",
        "&a 3", "!!str 4", "65536", "4096", "-- name:", "-- params: a=1, a=2", "-- coverage_min: -1",
        "-- severity: fatal", "-- bogus: 1", "--   continued", "SELECT", "';DROP TABLE runs;--", "\u{0}",
    ]

    /// One random mutation of bytes (edits work on lines and characters; some inject raw bytes).
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        if bytes.isEmpty { return [UInt8(ascii: "x")] }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:  // raw byte replaced by anything (may break UTF-8)
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            return bytes
        case 1:  // truncate
            return Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        default:
            var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            let i = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: i)
            case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
            case 3: lines.insert(tokens.randomElement(using: &rng)!, at: i)
            case 4:  // a character inserted or replaced in a line
                var chars = Array(lines[i])
                let c = alphabet.randomElement(using: &rng)!
                if chars.isEmpty || Bool.random(using: &rng) {
                    chars.insert(c, at: Int.random(in: 0...chars.count, using: &rng))
                } else {
                    chars[Int.random(in: 0..<chars.count, using: &rng)] = c
                }
                lines[i] = String(chars)
            case 5:  // a character deleted
                var chars = Array(lines[i])
                if !chars.isEmpty { chars.remove(at: Int.random(in: 0..<chars.count, using: &rng)) }
                lines[i] = String(chars)
            case 6:  // the value after a separator replaced by a token
                for separator in [": ", "[", ", ", "="] {
                    if let range = lines[i].range(of: separator) {
                        let rest = lines[i][range.upperBound...]
                        let end = rest.firstIndex { ",]}".contains($0) } ?? rest.endIndex
                        lines[i].replaceSubrange(range.upperBound..<end, with: tokens.randomElement(using: &rng)!)
                        break
                    }
                }
            default:  // a huge line
                lines[i] += String(repeating: "9", count: Int.random(in: 1...20_000, using: &rng))
            }
            return Array(lines.joined(separator: "\n").utf8)
        }
    }

    /// 1…3 mutations in a row.
    static func mutations(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) { out = mutate(out, &rng) }
        return out
    }
}
