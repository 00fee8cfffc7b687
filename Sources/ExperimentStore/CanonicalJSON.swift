import Quantization

/// The canonical JSON of a flat object of switch values: the text a config hash is computed over.
///
/// Rules (docs/SCHEMA.md, "Config identity"):
/// - one JSON object; members whose value is ``SwitchValue/null`` are omitted (a switch that does not
///   apply, or one added later that old configs lack, leaves the hash unchanged);
/// - keys sorted by their UTF-8 bytes; no whitespace anywhere;
/// - strings: `"` and `\` escaped with a backslash, U+0000…U+001F as `\b \f \n \r \t` or `\u00xx`
///   (lowercase hex), everything else as raw UTF-8;
/// - integers: decimal, no leading zeros, `-` for negatives;
/// - doubles: Swift's shortest round-trip `description` (it always shows a `.` or an exponent, so `1.0`
///   never prints like the integer `1`; e.g. `0.1`, `10.0`, `1e-05`, `1e+16`); `-0.0` is written `0.0`;
///   NaN and ±Infinity are rejected.
///
/// For the value types of a config this equals Python's
/// `json.dumps(obj, sort_keys=True, separators=(",", ":"))` with `None` members removed.
public enum CanonicalJSON {
    /// Encodes members as canonical JSON.
    ///
    /// - Parameter members: key–value pairs in any order.
    /// - Returns: the canonical text.
    /// - Throws: ``StoreError/invalidConfig(_:)`` for a duplicate key or a non-finite double.
    public static func encode(_ members: [(name: String, value: SwitchValue)]) throws(StoreError) -> String {
        var present: [(key: [UInt8], name: String, value: SwitchValue)] = []
        for (name, value) in members {
            if case .null = value { continue }
            present.append((Array(name.utf8), name, value))
        }
        present.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var out = "{"
        for (index, member) in present.enumerated() {
            if index > 0 {
                guard member.key != present[index - 1].key else {
                    throw .invalidConfig("duplicate key \"\(member.name)\"")
                }
                out += ","
            }
            out += quoted(member.name)
            out += ":"
            switch member.value {
            case .null: break
            case .int(let i): out += String(i)
            case .double(let d): out += try number(d, key: member.name)
            case .string(let s): out += quoted(s)
            }
        }
        return out + "}"
    }

    /// A finite double in canonical form.
    ///
    /// - Throws: ``StoreError/invalidConfig(_:)`` when `d` is NaN or infinite.
    static func number(_ d: Double, key: String) throws(StoreError) -> String {
        guard d.isFinite else { throw .invalidConfig("\(key) = \(d) is not a finite number") }
        return d == 0 ? "0.0" : d.description
    }

    /// A JSON string literal with the canonical escapes (also used by the CLI's JSON output).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Parses a JSON object whose members are scalars (string, number or null).
    ///
    /// Accepts any valid JSON of that shape (whitespace, any key order); numbers without a fraction or
    /// exponent become ``SwitchValue/int(_:)``, others ``SwitchValue/double(_:)``.
    ///
    /// - Parameter text: the JSON text.
    /// - Returns: the members in their textual order.
    /// - Throws: ``StoreError/invalidConfig(_:)`` naming the offset of the first syntax error, or a
    ///   duplicate key, a nested value, `true`/`false`, or an integer out of `Int` range.
    public static func parse(_ text: String) throws(StoreError) -> [(name: String, value: SwitchValue)] {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.object()
    }

    /// A recursive-descent parser over UTF-8 bytes.
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func object() throws(StoreError) -> [(name: String, value: SwitchValue)] {
            skipWhitespace()
            try expect(UInt8(ascii: "{"))
            var members: [(name: String, value: SwitchValue)] = []
            var seen = Set<String>()
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    let key = try string()
                    guard seen.insert(key).inserted else { throw fail("duplicate key \"\(key)\"") }
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                    members.append((key, try value()))
                    skipWhitespace()
                    if peek() == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            skipWhitespace()
            guard index == bytes.count else { throw fail("trailing characters") }
            return members
        }

        mutating func value() throws(StoreError) -> SwitchValue {
            guard let c = peek() else { throw fail("expected a value") }
            switch c {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("expected a string, a number or null")
            }
        }

        mutating func number() throws(StoreError) -> SwitchValue {
            let start = index
            var isInteger = true
            if peek() == UInt8(ascii: "-") { index += 1 }
            guard let first = peek(), isDigit(first) else { throw fail("expected a digit") }
            if first == UInt8(ascii: "0") {
                index += 1
            } else {
                while let c = peek(), isDigit(c) { index += 1 }
            }
            if peek() == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard let c = peek(), isDigit(c) else { throw fail("expected a digit after '.'") }
                while let c = peek(), isDigit(c) { index += 1 }
            }
            if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
                guard let c = peek(), isDigit(c) else { throw fail("expected a digit in the exponent") }
                while let c = peek(), isDigit(c) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger {
                guard let i = Int(text) else { throw fail("integer \(text) is out of range") }
                return .int(i)
            }
            guard let d = Double(text), d.isFinite else { throw fail("number \(text) is out of range") }
            return .double(d)
        }

        mutating func string() throws(StoreError) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                if !raw.isEmpty {
                    scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                    raw.removeAll()
                }
            }
            while true {
                guard let c = peek() else { throw fail("unterminated string") }
                index += 1
                switch c {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    scalars.append(try escape())
                case 0..<0x20:
                    throw fail("control character in a string")
                default:
                    raw.append(c)
                }
            }
        }

        mutating func escape() throws(StoreError) -> Unicode.Scalar {
            guard let c = peek() else { throw fail("unterminated escape") }
            index += 1
            if let scalar = JSONEscape.simple(c) { return scalar }
            guard c == UInt8(ascii: "u") else { throw fail("invalid escape") }
            let high = try hex4()
            if JSONEscape.isHighSurrogate(high) {
                try literal("\\u")
                guard let scalar = JSONEscape.pair(high: high, low: try hex4()) else {
                    throw fail("unpaired surrogate")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw fail("unpaired surrogate") }
            return scalar
        }

        mutating func hex4() throws(StoreError) -> UInt32 {
            guard index + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw fail("expected four hex digits") }
            index += 4
            return value
        }

        mutating func literal(_ word: String) throws(StoreError) {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func expect(_ byte: UInt8) throws(StoreError) {
            guard peek() == byte else {
                throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            index += 1
        }

        mutating func skipWhitespace() {
            while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        func fail(_ message: String) -> StoreError {
            .invalidConfig("JSON at offset \(index): \(message)")
        }
    }
}
