/// The parts of JSON string escapes that kvlab's two JSON readers (canonical config JSON and dataset
/// headers) share; each reader keeps its own cursor and error type.
enum JSONEscape {
    /// The character of a one-letter escape (`\n`, `\"`, `\/`…), or nil for `u` and invalid letters.
    static func simple(_ letter: UInt8) -> Unicode.Scalar? {
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        default: return nil
        }
    }

    /// Whether a `\uXXXX` value is a high surrogate (a second `\uXXXX` must follow).
    static func isHighSurrogate(_ value: UInt32) -> Bool { (0xD800..<0xDC00).contains(value) }

    /// The scalar of a surrogate pair, or nil when `low` is not a low surrogate.
    static func pair(high: UInt32, low: UInt32) -> Unicode.Scalar? {
        guard (0xDC00..<0xE000).contains(low) else { return nil }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }
}
