/// The text a pre-tokenizer works on: the Unicode scalars of one stretch of input, each with its character
/// class and the offset of its first UTF-8 byte.
struct ScalarText {
    /// The character class of each scalar, as the GPT-2 split pattern sees it.
    var classes: [ScalarClass] = []
    /// Whether each scalar is an ASCII decimal digit (`[0-9]`).
    var asciiDigit: [Bool] = []
    /// The UTF-8 byte offset of each scalar, plus the total byte count at the end (`count + 1` entries).
    var byteOffsets: [Int] = [0]
    /// The scalars themselves (for the apostrophe contractions).
    var scalars: [Unicode.Scalar] = []

    init(_ text: Substring) {
        let expected = text.utf8.count
        classes.reserveCapacity(expected)
        asciiDigit.reserveCapacity(expected)
        scalars.reserveCapacity(expected)
        byteOffsets.reserveCapacity(expected + 1)
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            classes.append(ScalarClass(scalar))
            asciiDigit.append(scalar.value >= 0x30 && scalar.value <= 0x39)
            offset += UTF8.width(scalar)
            byteOffsets.append(offset)
        }
    }

    var count: Int { scalars.count }
}

/// How the split patterns classify a Unicode scalar: `\p{L}`, `\p{N}`, `\s` (the White_Space property) or
/// anything else; the space U+0020 and the ASCII apostrophe get their own classes because the GPT-2 pattern
/// treats them specially (` ?\p{L}+`, `'s|'t|…`). Punctuation-or-symbol (`[\p{P}$+<=>^~|]`) is recorded for the
/// "default" pre-tokenizer.
enum ScalarClass: UInt8 {
    case letter, number, space, apostrophe, whitespace, punctuation, other

    init(_ scalar: Unicode.Scalar) {
        if scalar.value < 0x80 {
            self = ScalarClass.ascii[Int(scalar.value)]
            return
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            self = .punctuation
        default:
            self = properties.isWhitespace ? .whitespace : .other
        }
    }

    /// The classes of the 128 ASCII scalars.
    private static let ascii: [ScalarClass] = (0..<128).map { value in
        let scalar = Unicode.Scalar(UInt8(value))
        switch scalar {
        case " ": return .space
        case "'": return .apostrophe
        case "0"..."9": return .number
        case "a"..."z", "A"..."Z": return .letter
        case "\t", "\n", "\u{0B}", "\u{0C}", "\r": return .whitespace
        case "!", "\"", "#", "%", "&", "(", ")", "*", ",", "-", ".", "/", ":", ";", "?", "@", "[", "\\", "]", "_",
            "{", "}":
            return .punctuation
        default: return .other  // $ + < = > ^ ` | ~ (symbols) and the control characters
        }
    }

    var isLetter: Bool { self == .letter }
    var isNumber: Bool { self == .number }
    var isWhitespace: Bool { self == .space || self == .whitespace }
    /// `[^\s\p{L}\p{N}]`.
    var isOther: Bool { self == .apostrophe || self == .punctuation || self == .other }
}

/// Splitting text into the words that BPE merges within (the pre-tokenizers named by `tokenizer.ggml.pre`).
enum PreSplit {
    /// The pieces of `text[range]` (scalar index ranges, in order, covering the range) under `preTokenizer`.
    static func pieces(_ text: ScalarText, _ range: Range<Int>, _ preTokenizer: BPETokenizer.PreTokenizer)
        -> [Range<Int>]
    {
        var out: [Range<Int>] = []
        switch preTokenizer {
        case .gpt2:
            gpt2(text, range, into: &out)
        case .smollm:
            // Every `\p{N}` scalar on its own, then the GPT-2 pattern on each stretch between them.
            for stretch in isolate(range, where: { text.classes[$0].isNumber }) {
                if stretch.count == 1 && text.classes[stretch.lowerBound].isNumber {
                    out.append(stretch)
                } else {
                    gpt2(text, stretch, into: &out)
                }
            }
        case .llamaDefault:
            // llama.cpp's fallback chain: runs of punctuation and `$+<=>^~|`, the GPT-2 pattern, runs of
            // `\p{N}`, then groups of three ASCII digits; each step splits the pieces of the one before.
            var stage: [Range<Int>] = []
            for piece in isolateRuns(range, where: { text.isPunctuationOrListedSymbol($0) }) {
                gpt2(text, piece, into: &stage)
            }
            for piece in stage {
                for run in isolateRuns(piece, where: { text.classes[$0].isNumber }) {
                    out.append(contentsOf: isolateDigitTriples(text, run))
                }
            }
        }
        return out
    }

    /// `range` cut so that each index where `matches` holds is a piece of its own; the stretches between
    /// them are pieces too.
    static func isolate(_ range: Range<Int>, where matches: (Int) -> Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        for index in range where matches(index) {
            if start < index { out.append(start..<index) }
            out.append(index..<(index + 1))
            start = index + 1
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// `range` cut so that each maximal run of indices where `matches` holds is a piece of its own.
    static func isolateRuns(_ range: Range<Int>, where matches: (Int) -> Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            guard matches(index) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < range.upperBound && matches(end) { end += 1 }
            if start < index { out.append(start..<index) }
            out.append(index..<end)
            start = end
            index = end
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// `[0-9][0-9][0-9]` matched left to right, each match a piece; the rest kept between them.
    static func isolateDigitTriples(_ text: ScalarText, _ range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        var index = range.lowerBound
        while index + 3 <= range.upperBound {
            if text.asciiDigit[index] && text.asciiDigit[index + 1] && text.asciiDigit[index + 2] {
                if start < index { out.append(start..<index) }
                out.append(index..<(index + 3))
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// The GPT-2 split pattern on `text[range]`, the range's end taken as the end of the text:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, first alternative that
    /// matches at each position, each quantifier greedy.
    static func gpt2(_ text: ScalarText, _ range: Range<Int>, into out: inout [Range<Int>]) {
        let end = range.upperBound
        let classes = text.classes
        var index = range.lowerBound
        while index < end {
            let start = index
            let here = classes[index]
            // 's 't 're 've 'm 'll 'd (case-sensitive).
            if here == .apostrophe, let length = contraction(text, after: index, end: end) {
                index += 1 + length
                out.append(start..<index)
                continue
            }
            // An optional single space, then a run of letters, of numbers, or of other scalars.
            let body = here == .space && index + 1 < end ? index + 1 : index
            let bodyClass = classes[body]
            if bodyClass.isLetter || bodyClass.isNumber || bodyClass.isOther {
                var next = body + 1
                if bodyClass.isLetter {
                    while next < end && classes[next].isLetter { next += 1 }
                } else if bodyClass.isNumber {
                    while next < end && classes[next].isNumber { next += 1 }
                } else {
                    while next < end && classes[next].isOther { next += 1 }
                }
                index = next
                out.append(start..<index)
                continue
            }
            // Whitespace: `\s+(?!\S)` leaves the last whitespace scalar before a non-space for the next piece
            // (where ` ?\p{L}+` and friends can take a space); a lone one is taken by `\s+`.
            var next = index + 1
            while next < end && classes[next].isWhitespace { next += 1 }
            if next < end && next - index >= 2 { next -= 1 }
            index = next
            out.append(start..<index)
        }
    }

    /// The length of the contraction suffix after the apostrophe at `index`, if one follows.
    private static func contraction(_ text: ScalarText, after index: Int, end: Int) -> Int? {
        guard index + 1 < end else { return nil }
        switch text.scalars[index + 1] {
        case "s", "t", "m", "d": return 1
        case "r", "v", "l":
            guard index + 2 < end else { return nil }
            let second = text.scalars[index + 2]
            switch text.scalars[index + 1] {
            case "r", "v": return second == "e" ? 2 : nil
            default: return second == "l" ? 2 : nil
            }
        default: return nil
        }
    }
}

extension ScalarText {
    /// `[\p{P}$+<=>^~|]`: a punctuation scalar or one of the listed ASCII symbols.
    func isPunctuationOrListedSymbol(_ index: Int) -> Bool {
        if classes[index] == .punctuation || classes[index] == .apostrophe { return true }
        switch scalars[index] {
        case "$", "+", "<", "=", ">", "^", "~", "|": return true
        default: return false
        }
    }
}
