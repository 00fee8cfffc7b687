/// A byte-level BPE tokenizer (the GPT-2 scheme, as `tokenizer.ggml.model = "gpt2"` GGUF files use):
/// text is cut into words by a pre-tokenizer, each word's UTF-8 bytes become one symbol per byte (written in
/// GPT-2's byte alphabet), and adjacent symbols are merged by the lowest-ranked applicable merge until none
/// applies. Special tokens (control and user-defined vocabulary entries) can be recognised in the text first.
///
/// A value is immutable and `Sendable`; encoding keeps its word cache per call, so any number of threads can
/// encode with one tokenizer and get identical results.
public struct BPETokenizer: Sendable {
    /// How text is cut into words before BPE (`tokenizer.ggml.pre`).
    public enum PreTokenizer: String, Sendable, CaseIterable {
        /// The GPT-2 split pattern:
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
        case gpt2
        /// SmolLM's (also StarCoder's): every `\p{N}` scalar is a word of its own (Hugging Face's
        /// `Digits(individual_digits: true)`), then the GPT-2 pattern splits the text between them.
        case smollm
        /// llama.cpp's fallback for a file without a known `tokenizer.ggml.pre`: runs of `[\p{P}$+<=>^~|]`,
        /// then the GPT-2 pattern, then runs of `\p{N}`, then groups of three ASCII digits.
        case llamaDefault = "default"
    }

    /// The vocabulary: token strings in id order (byte-level alphabet for ordinary tokens).
    public let tokens: [String]
    /// The type of each token (all `.normal` when the vocabulary came without types).
    public let tokenTypes: [TokenType]
    /// The pre-tokenizer in use.
    public let preTokenizer: PreTokenizer
    /// The beginning-of-sequence token, if the vocabulary names one.
    public let bos: Int?
    /// The end-of-sequence token, if the vocabulary names one.
    public let eos: Int?
    /// Whether the model expects `bos` before a prompt. `encode` never adds it: a caller building a prompt
    /// prepends `bos` when this is true.
    public let addBOS: Bool

    /// Token id for each token string (the last id wins if a string repeats, as in llama.cpp).
    private let idForToken: [String: Int]
    /// Token id for each byte's alphabet symbol, or -1 where the vocabulary lacks it (such bytes are dropped
    /// when encoding, as Hugging Face's BPE does without an unknown token).
    private let byteTokens: [Int32]
    /// `left << 32 | right` → `rank << 32 | merged`, for every merge (the first of a repeated pair wins).
    private let merges: [UInt64: UInt64]
    /// The bytes each token decodes to.
    private let tokenBytes: [[UInt8]]
    /// The control and user-defined tokens, found in raw text before pre-tokenization.
    private let specials: SpecialTokens

    /// A tokenizer from plain vocabulary arrays (as stored in a GGUF file).
    ///
    /// - Parameters:
    ///   - tokens: the vocabulary in id order; ordinary tokens are written in GPT-2's byte alphabet.
    ///   - merges: the merge rules, best first, each two tokens separated by one space (`"Ġ t"`).
    ///   - tokenTypes: a `TokenType` raw value per token, or nil (all normal: nothing is special).
    ///   - preTokenizer: a `PreTokenizer` raw value (`tokenizer.ggml.pre`).
    ///   - bos: the beginning-of-sequence id, if any.
    ///   - eos: the end-of-sequence id, if any.
    ///   - addBOS: whether prompts should start with `bos`.
    /// - Throws: `TokenizerError` when the vocabulary, a merge, a token type, an id or the pre-tokenizer is
    ///   unusable.
    public init(
        tokens: [String], merges: [String], tokenTypes: [Int]?, preTokenizer: String, bos: Int?, eos: Int?,
        addBOS: Bool
    ) throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
        guard tokens.count <= Int(Int32.max) else { throw TokenizerError.vocabularyTooLarge(count: tokens.count) }
        guard let pre = PreTokenizer(rawValue: preTokenizer) else {
            throw TokenizerError.unknownPreTokenizer(preTokenizer)
        }
        let types = try TokenType.parse(tokenTypes, count: tokens.count)
        for (name, id) in [("bos", bos), ("eos", eos)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError.specialTokenOutOfRange(name: name, id: id, vocabularySize: tokens.count)
            }
        }

        var idForToken: [String: Int] = [:]
        idForToken.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { idForToken[token] = id }

        var mergeTable: [UInt64: UInt64] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformedMerge(rank: rank, merge: merge)
            }
            let left = String(parts[0])
            let right = String(parts[1])
            for piece in [left, right, left + right] where idForToken[piece] == nil {
                throw TokenizerError.mergeTokenMissing(rank: rank, merge: merge, missing: piece)
            }
            let key = UInt64(idForToken[left]!) << 32 | UInt64(idForToken[right]!)
            if mergeTable[key] == nil {
                mergeTable[key] = UInt64(rank) << 32 | UInt64(idForToken[left + right]!)
            }
        }

        self.tokens = tokens
        self.tokenTypes = types
        self.preTokenizer = pre
        self.bos = bos
        self.eos = eos
        self.addBOS = addBOS
        self.idForToken = idForToken
        self.merges = mergeTable
        byteTokens = ByteLevel.scalarForByte.map { scalar in
            idForToken[String(scalar)].map { Int32($0) } ?? -1
        }
        tokenBytes = zip(tokens, types).map { token, type in
            type == .control || type == .userDefined ? Array(token.utf8) : ByteLevel.decode(token)
        }
        specials = SpecialTokens(tokens: tokens, types: types)
    }

    /// The number of tokens in the vocabulary.
    public var tokenCount: Int { tokens.count }

    /// The id of a token string (exact vocabulary spelling, e.g. `"<|im_start|>"` or `"Ġthe"`), if present.
    public func id(of token: String) -> Int? { idForToken[token] }

    /// Token ids for `text`.
    ///
    /// User-defined tokens in the text are always taken as single tokens; control tokens (`<|im_start|>`,
    /// `<|im_end|>`, …) only when `parseSpecial` is true; otherwise they are ordinary text. Where several
    /// special tokens could start, the leftmost wins, and among those starting together the longest.
    /// No BOS is added (see `addBOS`). Bytes whose alphabet symbol is missing from the vocabulary are dropped.
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int] {
        let bytes = Array(text.utf8)
        var out: [Int] = []
        out.reserveCapacity(bytes.count / 3 + 1)
        var cache: [ArraySlice<UInt8>: [Int]] = [:]
        for fragment in specials.fragments(of: bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .text(let range): encodeOrdinary(bytes[range], cache: &cache, into: &out)
            case .token(let id): out.append(id)
            }
        }
        return out
    }

    /// The text of `ids`: their bytes joined and read as UTF-8, any invalid sequence replaced by U+FFFD.
    /// Special tokens decode to their own text (`<|im_end|>`).
    /// - Throws: `TokenizerError.tokenIDOutOfRange` for an id outside the vocabulary.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try bytes(of: ids), as: UTF8.self)
    }

    /// The raw bytes of `ids` (for streaming output, where a character can span two tokens).
    /// - Throws: `TokenizerError.tokenIDOutOfRange` for an id outside the vocabulary.
    public func bytes(of ids: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        for (position, id) in ids.enumerated() {
            guard id >= 0 && id < tokenBytes.count else {
                throw TokenizerError.tokenIDOutOfRange(id: id, position: position, vocabularySize: tokenBytes.count)
            }
            out.append(contentsOf: tokenBytes[id])
        }
        return out
    }

    /// Pre-tokenizes a stretch of text without special tokens and appends the BPE tokens of each word.
    private func encodeOrdinary(
        _ segment: ArraySlice<UInt8>, cache: inout [ArraySlice<UInt8>: [Int]], into out: inout [Int]
    ) {
        let text = ScalarText(Substring(String(decoding: segment, as: UTF8.self)))
        let base = segment.startIndex
        for piece in PreSplit.pieces(text, 0..<text.count, preTokenizer) {
            let word = segment[
                (base + text.byteOffsets[piece.lowerBound])..<(base + text.byteOffsets[piece.upperBound])]
            if let known = cache[word] {
                out.append(contentsOf: known)
            } else {
                let ids = bpe(word)
                cache[word] = ids
                out.append(contentsOf: ids)
            }
        }
    }

    /// BPE on one word: one symbol per byte, then repeatedly the adjacent pair with the lowest merge rank
    /// (leftmost on a tie) is merged, until no pair has a merge.
    func bpe(_ word: ArraySlice<UInt8>) -> [Int] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        for byte in word where byteTokens[Int(byte)] >= 0 { symbols.append(byteTokens[Int(byte)]) }
        guard symbols.count > 1 else { return symbols.map(Int.init) }

        let count = symbols.count
        var next = Array(1...count)  // `count` marks the end
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var queue = MinHeap()
        func push(_ left: Int) {
            let right = next[left]
            guard right < count, let merge = merges[UInt64(UInt32(symbols[left])) << 32 | UInt64(symbols[right])]
            else { return }
            queue.push((merge & 0xFFFF_FFFF_0000_0000) | UInt64(left))
        }
        for index in 0..<(count - 1) { push(index) }
        while let entry = queue.pop() {
            let left = Int(entry & 0xFFFF_FFFF)
            let rank = entry >> 32
            guard alive[left], next[left] < count else { continue }
            let right = next[left]
            // Stale entries (a side merged since the push) no longer name this pair's rank.
            guard let merge = merges[UInt64(UInt32(symbols[left])) << 32 | UInt64(symbols[right])],
                merge >> 32 == rank
            else { continue }
            symbols[left] = Int32(truncatingIfNeeded: merge & 0xFFFF_FFFF)
            alive[right] = false
            next[left] = next[right]
            if next[right] < count { previous[next[right]] = left }
            if previous[left] >= 0 { push(previous[left]) }
            push(left)
        }
        var out: [Int] = []
        var index = 0
        while index < count {
            out.append(Int(symbols[index]))
            index = next[index]
        }
        return out
    }
}

extension BPETokenizer.PreTokenizer {
    /// The accepted `tokenizer.ggml.pre` values, for messages.
    static var allKnown: String { allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }
}
