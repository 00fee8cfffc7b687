/// A SentencePiece-style tokenizer as llama.cpp runs it for `tokenizer.ggml.model = "llama"` vocabularies
/// (Llama 1/2, Mistral, TinyLlama, …): spaces become `▁` (U+2581), a space is put before the text and after
/// every special token (`addSpacePrefix`), and adjacent pieces are merged, best score first (leftmost on a
/// tie), for as long as their concatenation is a vocabulary entry. A character no entry covers is written as
/// byte tokens `<0xXX>` (byte fallback), or as one unknown token where those are missing (dropped if the
/// vocabulary names no unknown token).
///
/// A value is immutable and `Sendable`.
public struct SentencePieceTokenizer: Sendable {
    /// The vocabulary in id order.
    public let tokens: [String]
    /// The score of each token (higher merges first).
    public let scores: [Float]
    /// The type of each token.
    public let tokenTypes: [TokenType]
    /// The beginning-of-sequence token, if any.
    public let bos: Int?
    /// The end-of-sequence token, if any.
    public let eos: Int?
    /// The unknown token, used for bytes without a `<0xXX>` token.
    public let unknown: Int?
    /// Whether the model expects `bos` before a prompt. `encode` never adds it.
    public let addBOS: Bool
    /// Whether a space is put before the text and after each special token (`tokenizer.ggml.add_space_prefix`);
    /// `decode` then drops the first token's leading space.
    public let addSpacePrefix: Bool

    /// Token id for each token's UTF-8 bytes (the last id wins if a text repeats).
    private let idForBytes: [[UInt8]: Int]
    /// The `<0xXX>` token of each byte value, or -1.
    private let byteTokens: [Int32]
    /// The bytes each token decodes to.
    private let tokenBytes: [[UInt8]]
    private let specials: SpecialTokens

    /// A tokenizer from plain vocabulary arrays (as stored in a GGUF file).
    /// - Throws: `TokenizerError` when the vocabulary is empty, the scores or types do not match it (or a score
    ///   is not finite), a type is unknown, or an id is outside the vocabulary.
    public init(
        tokens: [String], scores: [Float]?, tokenTypes: [Int]?, bos: Int?, eos: Int?, unknown: Int?, addBOS: Bool,
        addSpacePrefix: Bool
    ) throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
        let scores = scores ?? [Float](repeating: 0, count: tokens.count)
        guard scores.count == tokens.count else {
            throw TokenizerError.scoreCount(tokens: tokens.count, scores: scores.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw TokenizerError.invalidScore(token: bad, value: Double(scores[bad]))
        }
        let types = try TokenType.parse(tokenTypes, count: tokens.count)
        for (name, id) in [("bos", bos), ("eos", eos), ("unknown", unknown)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.specialTokenOutOfRange(name: name, id: id, vocabularySize: tokens.count)
            }
        }
        self.tokens = tokens
        self.scores = scores.map { $0 == 0 ? 0 : $0 }  // -0 and +0 tie, as in a float comparison
        self.tokenTypes = types
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.addBOS = addBOS
        self.addSpacePrefix = addSpacePrefix
        var idForBytes: [[UInt8]: Int] = [:]
        idForBytes.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { idForBytes[Array(token.utf8)] = id }
        self.idForBytes = idForBytes
        var byteTokens = [Int32](repeating: -1, count: 256)
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            if types[id] == .byte, let byte = Self.byteValue(token) {
                byteTokens[Int(byte)] = Int32(id)
                tokenBytes.append([byte])
            } else if types[id] == .control {
                tokenBytes.append(Array(token.utf8))
            } else {
                tokenBytes.append(Array(token.replacingOccurrences(of: "\u{2581}", with: " ").utf8))
            }
        }
        self.byteTokens = byteTokens
        self.tokenBytes = tokenBytes
        specials = SpecialTokens(tokens: tokens, types: types)
    }

    /// The byte a `<0xXX>` token stands for.
    private static func byteValue(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    /// The number of tokens in the vocabulary.
    public var tokenCount: Int { tokens.count }

    /// The id of a token string (exact vocabulary spelling, e.g. `"▁the"` or `"<s>"`), if present.
    public func id(of token: String) -> Int? { idForBytes[Array(token.utf8)] }

    /// Token ids for `text`: special tokens as in `BPETokenizer.encode(_:parseSpecial:)`, then each stretch of
    /// ordinary text (with a space before it when `addSpacePrefix` and it starts the text or follows a special
    /// token) merged piece by piece. No BOS is added (see `addBOS`).
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int] {
        let bytes = Array(text.utf8)
        var out: [Int] = []
        var afterSpecial = true
        for fragment in specials.fragments(of: bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
                afterSpecial = true
            case .text(let range):
                var escaped: [UInt8] = addSpacePrefix && afterSpecial ? [0xE2, 0x96, 0x81] : []
                for byte in bytes[range] {
                    if byte == 0x20 { escaped += [0xE2, 0x96, 0x81] } else { escaped.append(byte) }
                }
                merge(escaped, into: &out)
                afterSpecial = false
            }
        }
        return out
    }

    /// The text of `ids`: `▁` read as a space, `<0xXX>` tokens as their byte, control tokens as their own text,
    /// invalid UTF-8 replaced by U+FFFD; with `addSpacePrefix`, the first token's leading space is dropped.
    /// - Throws: `TokenizerError.tokenIDOutOfRange` for an id outside the vocabulary.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try bytes(of: ids), as: UTF8.self)
    }

    /// The raw bytes of `ids` (see `decode(_:)`).
    /// - Throws: `TokenizerError.tokenIDOutOfRange` for an id outside the vocabulary.
    public func bytes(of ids: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        for (position, id) in ids.enumerated() {
            guard id >= 0 && id < tokenBytes.count else {
                throw TokenizerError.tokenIDOutOfRange(id: id, position: position, vocabularySize: tokenBytes.count)
            }
            let piece = tokenBytes[id]
            let dropSpace = position == 0 && addSpacePrefix && piece.first == 0x20 && tokenTypes[id] != .byte
            out.append(contentsOf: dropSpace ? piece.dropFirst() : piece[...])
        }
        return out
    }

    /// Merges one escaped stretch of text and appends its tokens.
    private func merge(_ text: [UInt8], into out: inout [Int]) {
        // One symbol per UTF-8 character: its byte range in `text`.
        var starts: [Int] = []
        var ends: [Int] = []
        var index = 0
        while index < text.count {
            let lead = text[index]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            starts.append(index)
            index = min(index + length, text.count)
            ends.append(index)
        }
        let count = starts.count  // at least 1: stretches of text are never empty
        var next = Array(1...count)
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var queue = MinHeap()
        /// The priority key of merging `left` with its right neighbour, if that makes a token.
        func key(_ left: Int) -> UInt64? {
            let right = next[left]
            guard right < count, let id = idForBytes[Array(text[starts[left]..<ends[right]])] else { return nil }
            // Higher scores first: order-preserving bits of the float, complemented.
            let bits = scores[id].bitPattern
            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            return UInt64(~ordered) << 32 | UInt64(left)
        }
        func push(_ left: Int) {
            if let key = key(left) { queue.push(key) }
        }
        for left in 0..<(count - 1) { push(left) }
        while let entry = queue.pop() {
            let left = Int(entry & 0xFFFF_FFFF)
            // Stale entries (a side merged since the push) no longer give this key.
            guard alive[left], key(left) == entry else { continue }
            let right = next[left]
            ends[left] = ends[right]
            alive[right] = false
            next[left] = next[right]
            if next[right] < count { previous[next[right]] = left }
            if previous[left] >= 0 { push(previous[left]) }
            push(left)
        }
        index = 0
        while index < count {
            let piece = Array(text[starts[index]..<ends[index]])
            if let id = idForBytes[piece] {
                out.append(id)
            } else if piece.allSatisfy({ byteTokens[Int($0)] >= 0 }) {
                out.append(contentsOf: piece.map { Int(byteTokens[Int($0)]) })
            } else if let unknown {
                out.append(unknown)
            }
            index = next[index]
        }
    }
}
