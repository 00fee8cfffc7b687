import Foundation
import Testing

@testable import Models

/// A tiny byte-level vocabulary: the special tokens first (ids 0, 1, …), then the 256 byte symbols in byte
/// order, then the result of each merge in merge order (so ids and byte values differ).
struct TinyVocabulary {
    var tokens: [String] = []
    var types: [Int] = []
    var merges: [String]

    init(specials: [(String, TokenType)] = [], merges: [String]) {
        for (text, type) in specials {
            tokens.append(text)
            types.append(type.rawValue)
        }
        for scalar in ByteLevel.scalarForByte {
            tokens.append(String(scalar))
            types.append(TokenType.normal.rawValue)
        }
        for merge in merges {
            let merged = merge.replacingOccurrences(of: " ", with: "")
            if !tokens.contains(merged) {
                tokens.append(merged)
                types.append(TokenType.normal.rawValue)
            }
        }
        self.merges = merges
    }

    func tokenizer(_ pre: String = "smollm") throws -> BPETokenizer {
        try BPETokenizer(
            tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre, bos: nil, eos: nil, addBOS: false)
    }
}

/// Merges whose effect on "hello", " the" and " tell" is worked out by hand in `handComputedMerges`.
let handMerges = ["l l", "h e", "Ġ t", "Ġt he", "e ll", "he ll", "e l", "ll ll", "1 2", "Ġ 4"]

@Suite struct TokenizerTests {
    let tokenizer: BPETokenizer

    init() throws {
        tokenizer = try TinyVocabulary(merges: handMerges).tokenizer()
    }

    /// The ids of token strings (each must exist).
    func ids(_ names: [String], in tokenizer: BPETokenizer? = nil) -> [Int] {
        names.map { (tokenizer ?? self.tokenizer).id(of: $0)! }
    }

    @Test func byteAlphabetIsGPT2s() {
        #expect(ByteLevel.scalarForByte[0x20] == "Ġ")
        #expect(ByteLevel.scalarForByte[0x0A] == "Ċ")
        #expect(ByteLevel.scalarForByte[0x00] == "\u{100}")
        #expect(ByteLevel.scalarForByte[0x41] == "A")
        #expect(ByteLevel.scalarForByte[0xAD] == "\u{143}")  // the soft hyphen is the last remapped byte
        #expect(ByteLevel.scalarForByte[0xFF] == "ÿ")
        #expect(Set(ByteLevel.scalarForByte).count == 256)
        #expect(ByteLevel.decode(ByteLevel.encode([0, 0x20, 0xE6, 0xFF])) == [0, 0x20, 0xE6, 0xFF])
    }

    /// "hello": l·l (rank 0) first → h e ll o; h·e (1) → he ll o; he·ll (5) → hell o.
    /// " the": h·e (1) → Ġ t he; Ġ·t (2) → Ġt he; Ġt·he (3) → Ġthe.
    /// " tell": l·l (0) → Ġ t e ll; Ġ·t (2) → Ġt e ll; e·ll (4) → Ġt ell (merging e·l (6) first would
    /// give Ġt el l).
    @Test func handComputedMerges() {
        #expect(tokenizer.encode("hello") == ids(["hell", "o"]))
        #expect(tokenizer.encode(" the") == ids(["Ġthe"]))
        #expect(tokenizer.encode(" tell") == ids(["Ġt", "ell"]))
        #expect(tokenizer.encode("hello the tell") == ids(["hell", "o", "Ġthe", "Ġt", "ell"]))
        // Equal ranks: the leftmost pair merges first ("lll" → ll l), and "llll" → ll ll → llll.
        #expect(tokenizer.encode("lll") == ids(["ll", "l"]))
        #expect(tokenizer.encode("llll") == ids(["llll"]))
        #expect(tokenizer.encode("") == [])
    }

    @Test func digitsSplitIndividuallyForSmolLMButNotForGPT2() throws {
        let gpt2 = try TinyVocabulary(merges: handMerges).tokenizer("gpt2")
        // smollm: "123" is three words, so the 1·2 merge never applies; " 42" is " ", "4", "2".
        #expect(tokenizer.encode("x123") == ids(["x", "1", "2", "3"]))
        #expect(tokenizer.encode(" 42") == ids(["Ġ", "4", "2"]))
        // gpt2: " 42" and "123" are single words, so the merges apply.
        #expect(gpt2.encode("x123") == ids(["x", "12", "3"], in: gpt2))
        #expect(gpt2.encode(" 42") == ids(["Ġ4", "2"], in: gpt2))
    }

    /// The words of `text` under a pre-tokenizer, as strings.
    func words(_ text: String, _ pre: BPETokenizer.PreTokenizer) -> [String] {
        let scalars = ScalarText(Substring(text))
        return PreSplit.pieces(scalars, 0..<scalars.count, pre).map { range in
            String(String.UnicodeScalarView(scalars.scalars[range]))
        }
    }

    @Test func gpt2Pattern() {
        #expect(
            words("Hello, world!  It's 2024\n\n ok", .gpt2) == [
                "Hello", ",", " world", "!", " ", " It", "'s", " 2024", "\n\n", " ok",
            ])
        // Contractions are case-sensitive; a lone newline before a letter is its own word; trailing spaces
        // stay together; ` ?` takes only U+0020, not a tab.
        #expect(words("I'M we'll\nx  ", .gpt2) == ["I", "'", "M", " we", "'ll", "\n", "x", "  "])
        #expect(words("\tx a\u{301}b", .gpt2) == ["\t", "x", " a", "\u{301}", "b"])
        #expect(words("  \u{A0}x", .gpt2) == ["  ", "\u{A0}", "x"])
        #expect(words("日本語 ok", .gpt2) == ["日本語", " ok"])
    }

    @Test func smollmIsolatesEveryNumber() {
        #expect(words("It's 2024, x½", .smollm) == ["It", "'s", " ", "2", "0", "2", "4", ",", " x", "½"])
        #expect(words("٣٤ ①", .smollm) == ["٣", "٤", " ", "①"])
    }

    @Test func llamaDefaultChain() {
        // Punctuation runs first (so "'s" loses its apostrophe), then GPT-2, then number runs cut into
        // groups of three ASCII digits from the left.
        #expect(words("It's $12345!", .llamaDefault) == ["It", "'", "s", " ", "$", "123", "45", "!"])
    }

    @Test func specialTokensOnlyWhenAsked() throws {
        let vocabulary = TinyVocabulary(
            specials: [("<|im_start|>", .control), ("<|im_end|>", .control), ("<tool>", .userDefined)],
            merges: ["h i"])
        let chat = try vocabulary.tokenizer()
        let hi = chat.id(of: "hi")!
        #expect(chat.encode("<|im_start|>hi<tool><|im_end|>", parseSpecial: true) == [0, hi, 2, 1])
        // Without parseSpecial control tokens are text; user-defined ones are still single tokens.
        let plain = chat.encode("<|im_start|>hi<tool>")
        let asText = ["<|", "im", "_", "start", "|>"].flatMap { chat.encode($0) }
        #expect(plain == asText + [hi, 2])
        #expect(!plain.contains(0))
        #expect(try chat.decode(plain) == "<|im_start|>hi<tool>")
        #expect(try chat.decode([0, hi, 1]) == "<|im_start|>hi<|im_end|>")
    }

    @Test func longestSpecialTokenWinsAtTheSameStart() throws {
        let vocabulary = TinyVocabulary(
            specials: [("<x>", .control), ("<x>y", .control), ("y<x", .control)], merges: [])
        let tok = try vocabulary.tokenizer()
        #expect(tok.encode("<x>yz", parseSpecial: true) == [1] + tok.encode("z"))
        // Leftmost first: "y<x" starts before "<x>".
        #expect(tok.encode("ay<x>", parseSpecial: true) == tok.encode("a") + [2] + tok.encode(">"))
    }

    @Test func decodeChecksIdsAndToleratesBrokenUTF8() throws {
        #expect(throws: TokenizerError.tokenIDOutOfRange(id: tokenizer.tokenCount, position: 1, vocabularySize: 266)) {
            try tokenizer.decode([0, tokenizer.tokenCount])
        }
        #expect(throws: TokenizerError.tokenIDOutOfRange(id: -1, position: 0, vocabularySize: 266)) {
            try tokenizer.bytes(of: [-1])
        }
        // "日" is E6 97 A5: one byte alone is invalid UTF-8 (replaced), all three decode to the character.
        let pieces = tokenizer.encode("日")
        #expect(pieces.count == 3)
        #expect(try tokenizer.decode([pieces[0]]) == "\u{FFFD}")
        #expect(try tokenizer.bytes(of: [pieces[0]]) == [0xE6])
        #expect(try tokenizer.decode(pieces) == "日")
        #expect(try tokenizer.decode([]) == "")
    }

    @Test func bytesMissingFromTheVocabularyAreDropped() throws {
        var vocabulary = TinyVocabulary(merges: [])
        let missing = String(ByteLevel.scalarForByte[0x04])
        vocabulary.tokens.removeAll { $0 == missing }
        vocabulary.types.removeLast()
        let tok = try vocabulary.tokenizer()
        #expect(try tok.decode(tok.encode("a\u{04}b")) == "ab")
    }

    @Test func constructionErrors() throws {
        let base = TinyVocabulary(merges: ["h e"])
        func make(
            tokens: [String]? = nil, merges: [String]? = nil, types: [Int]?? = .none, pre: String = "smollm",
            bos: Int? = nil
        ) throws -> BPETokenizer {
            try BPETokenizer(
                tokens: tokens ?? base.tokens, merges: merges ?? base.merges, tokenTypes: types ?? base.types,
                preTokenizer: pre, bos: bos, eos: nil, addBOS: false)
        }
        #expect(throws: TokenizerError.unknownPreTokenizer("llama3")) { try make(pre: "llama3") }
        #expect(TokenizerError.unknownPreTokenizer("llama3").description.contains("\"llama3\""))
        #expect(TokenizerError.unknownPreTokenizer("x").description.contains("\"smollm\""))
        #expect(throws: TokenizerError.emptyVocabulary) { try make(tokens: [], types: .some(nil)) }
        #expect(throws: TokenizerError.malformedMerge(rank: 1, merge: "hx")) { try make(merges: ["h e", "hx"]) }
        #expect(throws: TokenizerError.malformedMerge(rank: 0, merge: "h  e")) { try make(merges: ["h  e"]) }
        #expect(throws: TokenizerError.mergeTokenMissing(rank: 0, merge: "he l", missing: "hel")) {
            try make(merges: ["he l"])
        }
        #expect(throws: TokenizerError.tokenTypeCount(tokens: 257, types: 2)) { try make(types: .some([1, 1])) }
        var badTypes = base.types
        badTypes[3] = 9
        #expect(throws: TokenizerError.invalidTokenType(token: 3, value: 9)) { try make(types: .some(badTypes)) }
        #expect(throws: TokenizerError.specialTokenOutOfRange(name: "bos", id: 257, vocabularySize: 257)) {
            try make(bos: 257)
        }
        #expect(TokenizerError.unsupportedModel("t5").description.contains("\"t5\""))
        #expect(TokenizerError.modelMismatch(found: "llama", expected: "gpt2").description.contains("loadTokenizer"))
        // Without token types nothing is special.
        let untyped = try make(types: .some(nil))
        #expect(untyped.tokenTypes.allSatisfy { $0 == .normal })
    }

    @Test func vocabularyAccessors() throws {
        let tok = try BPETokenizer(
            tokens: TinyVocabulary(merges: []).tokens, merges: [], tokenTypes: nil, preTokenizer: "gpt2", bos: 3,
            eos: 7, addBOS: true)
        #expect(tok.tokenCount == 256)
        #expect(tok.bos == 3 && tok.eos == 7 && tok.addBOS)
        #expect(tok.id(of: "Ġ") == 0x20)
        #expect(tok.id(of: "nope") == nil)
        #expect(tok.preTokenizer == .gpt2)
    }
}
