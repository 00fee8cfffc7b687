/// Text escaping for XML documents: the JUnit output of claim reports and the XHTML report.
public enum XMLText {
    /// Escapes text for an XML/HTML text node or a double-quoted attribute value.
    ///
    /// `&`, `<`, `>`, `"` and `'` become character references; control characters other than tab, line feed
    /// and carriage return (and U+FFFE/U+FFFF) become U+FFFD, since XML 1.0 cannot represent them at all.
    ///
    /// - Parameter text: any text.
    /// - Returns: the escaped text.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
