import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// `Fixtures/sentencepiece-golden.json`, written by `scripts/golden/sentencepiece_tokenizer.py`: a tiny
/// vocabulary trained by the `sentencepiece` library and the ids it gives for a set of texts.
struct SentencePieceGolden: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
    }

    let tokens: [String]
    let scores: [Float]
    let types: [Int]
    let bos: Int
    let eos: Int
    let unknown: Int
    let cases: [Case]

    static func load() throws -> SentencePieceGolden {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sentencepiece-golden", withExtension: "json"))
        return try JSONDecoder().decode(SentencePieceGolden.self, from: Data(contentsOf: url))
    }

    func tokenizer() throws -> SentencePieceTokenizer {
        try SentencePieceTokenizer(
            tokens: tokens, scores: scores, tokenTypes: types, bos: bos, eos: eos, unknown: unknown, addBOS: true,
            addSpacePrefix: true)
    }
}

@Suite struct SentencePieceTokenizerTests {
    /// A hand-made vocabulary: `<unk>` `<s>` `</s>` `<|x|>`(control), then pieces with scores.
    static func handMade(byteTokens: Bool = true) throws -> SentencePieceTokenizer {
        var tokens = ["<unk>", "<s>", "</s>", "<|x|>"]
        var types = [2, 3, 3, 3]
        var scores: [Float] = [0, 0, 0, 0]
        for (piece, score) in [
            ("▁", -1.0), ("t", -1.0), ("h", -1.0), ("e", -1.0), ("a", -1.0), ("he", -2.0), ("▁t", -3.0),
            ("▁the", -4.0), ("th", -5.0), ("aa", -6.0),
        ] as [(String, Float)] {
            tokens.append(piece)
            types.append(1)
            scores.append(score)
        }
        if byteTokens {
            for byte in 0..<256 {
                tokens.append(String(format: "<0x%02X>", byte))
                types.append(6)
                scores.append(0)
            }
        }
        return try SentencePieceTokenizer(
            tokens: tokens, scores: scores, tokenTypes: types, bos: 1, eos: 2, unknown: 0, addBOS: true,
            addSpacePrefix: true)
    }

    func ids(_ tok: SentencePieceTokenizer, _ pieces: [String]) -> [Int] { pieces.map { tok.id(of: $0)! } }

    /// "the" → "▁the": pairs ▁t (-3), th (-5), he (-2): he first → ▁ t he; then ▁t (-3) → ▁t he; then
    /// ▁t·he = ▁the (-4). Merging th (-5) early would strand "▁" + "th" + "e".
    /// "aaa": aa (-6) at positions 0 and 1 tie, the leftmost wins → aa a.
    @Test func handComputedMerges() throws {
        let tok = try Self.handMade()
        #expect(tok.encode("the") == ids(tok, ["▁the"]))
        #expect(tok.encode("aaa") == ids(tok, ["▁", "aa", "a"]))
        #expect(tok.encode("") == [])
        // Byte fallback for characters without a piece: "é" is C3 A9.
        #expect(tok.encode("é") == ids(tok, ["▁", "<0xC3>", "<0xA9>"]))
        #expect(try tok.decode(tok.encode("é the")) == "é the")
        // Without byte tokens a missing character is one unknown token.
        let noBytes = try Self.handMade(byteTokens: false)
        #expect(noBytes.encode("té") == ids(noBytes, ["▁t", "<unk>"]))
    }

    @Test func specialTokensAndTheSpacePrefix() throws {
        let tok = try Self.handMade()
        // A space goes before the text and after every special token; control tokens need parseSpecial.
        #expect(tok.encode("<|x|>the", parseSpecial: true) == [3] + ids(tok, ["▁the"]))
        #expect(!tok.encode("<|x|>the").contains(3))
        #expect(try tok.decode([1] + tok.encode("the")) == "<s> the")
        #expect(try tok.decode(tok.encode("the")) == "the")
        #expect(throws: TokenizerError.tokenIDOutOfRange(id: 999, position: 0, vocabularySize: 270)) {
            try tok.decode([999])
        }
    }

    @Test func constructionErrors() throws {
        #expect(throws: TokenizerError.scoreCount(tokens: 2, scores: 1)) {
            try SentencePieceTokenizer(
                tokens: ["a", "b"], scores: [0], tokenTypes: nil, bos: nil, eos: nil, unknown: nil, addBOS: false,
                addSpacePrefix: true)
        }
        #expect(throws: TokenizerError.invalidScore(token: 1, value: .infinity)) {
            try SentencePieceTokenizer(
                tokens: ["a", "b"], scores: [0, .infinity], tokenTypes: nil, bos: nil, eos: nil, unknown: nil,
                addBOS: false, addSpacePrefix: true)
        }
        #expect(throws: TokenizerError.specialTokenOutOfRange(name: "unknown", id: 2, vocabularySize: 2)) {
            try SentencePieceTokenizer(
                tokens: ["a", "b"], scores: nil, tokenTypes: nil, bos: nil, eos: nil, unknown: 2, addBOS: false,
                addSpacePrefix: true)
        }
    }

    /// Random pieces over {a, b, c} with scores from a small set (so ties happen), random words: the queue
    /// must give what the textbook loop gives (merge the best-scoring adjacent pair, leftmost on a tie).
    @Test func queueMatchesTheTextbookLoop() throws {
        var rng = SplitMix64(state: 0x5EED_0006)
        let letters = ["a", "b", "c"]
        var pieces = ["▁"] + letters
        var scores: [Float] = [0, 0, 0, 0]
        for _ in 0..<40 {
            let length = Int.random(in: 2...4, using: &rng)
            let piece = (0..<length).map { _ in letters.randomElement(using: &rng)! }.joined()
            if !pieces.contains(piece) {
                pieces.append(piece)
                scores.append(Float(Int.random(in: -5...0, using: &rng)))
            }
        }
        let score = Dictionary(uniqueKeysWithValues: zip(pieces, scores))
        let tok = try SentencePieceTokenizer(
            tokens: pieces, scores: scores, tokenTypes: nil, bos: nil, eos: nil, unknown: nil, addBOS: false,
            addSpacePrefix: false)
        for _ in 0..<500 {
            let word = (0..<Int.random(in: 1...40, using: &rng)).map { _ in letters.randomElement(using: &rng)! }
            var symbols = word
            while true {
                var best: (score: Float, index: Int)?
                for index in 0..<(symbols.count - 1) {
                    if let value = score[symbols[index] + symbols[index + 1]], value > (best?.score ?? -.infinity) {
                        best = (value, index)
                    }
                }
                guard let best else { break }
                symbols[best.index] += symbols[best.index + 1]
                symbols.remove(at: best.index + 1)
            }
            #expect(tok.encode(word.joined()) == symbols.map { tok.id(of: $0)! }, "\(word.joined())")
        }
    }

    @Test func matchesTheSentencePieceLibrary() throws {
        let golden = try SentencePieceGolden.load()
        let tok = try golden.tokenizer()
        #expect(golden.cases.count >= 10)
        for golden in golden.cases {
            let ids = tok.encode(golden.text)
            #expect(ids == golden.ids, "\(golden.text.debugDescription)")
            #expect(try tok.decode(ids) == golden.text)
        }
    }

    @Test func encodeThenDecodeGivesTheTextBack() throws {
        let tok = try SentencePieceGolden.load().tokenizer()
        var rng = SplitMix64(state: 0x5EED_0005)
        for _ in 0..<300 {
            let text = TokenizerPropertyTests.randomText(&rng)
            #expect(try tok.decode(tok.encode(text)) == text, "\(text.debugDescription)")
        }
    }

    @Test func fromGGUF() throws {
        let golden = try SentencePieceGolden.load()
        func file(_ extra: [(String, GGUFValue)]) throws -> GGUFFile {
            var writer = GGUFWriter()
            writer.set("tokenizer.ggml.model", .string("llama"))
            writer.set("tokenizer.ggml.tokens", .array(golden.tokens.map { .string($0) }))
            for (key, value) in extra { writer.set(key, value) }
            let dir = try TemporaryDirectory()
            let url = dir.url.appendingPathComponent("spm.gguf")
            try writer.write(to: url)
            return try GGUFFile(contentsOf: url)
        }
        let full = try file([
            ("tokenizer.ggml.scores", .array(golden.scores.map { .float32($0) })),
            ("tokenizer.ggml.token_type", .array(golden.types.map { .int32(Int32($0)) })),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
        ])
        let tok = try #require(try loadTokenizer(from: full) as? SentencePieceTokenizer)
        #expect(tok.bos == 1 && tok.eos == 2 && tok.unknown == 0 && !tok.addBOS && tok.addSpacePrefix)
        for golden in golden.cases { #expect(tok.encode(golden.text) == golden.ids) }
        // Defaults: no scores (all 0), no types, BOS added.
        let bare = try SentencePieceTokenizer(gguf: file([]))
        #expect(bare.scores.allSatisfy { $0 == 0 } && bare.addBOS)
        #expect(throws: TokenizerError.modelMismatch(found: "llama", expected: "gpt2")) {
            try BPETokenizer(gguf: full)
        }
        #expect(
            throws: TokenizerError.wrongMetadataType(
                key: "tokenizer.ggml.scores", expected: "an array of floats", found: "[\"x\"]")
        ) {
            try SentencePieceTokenizer(gguf: file([("tokenizer.ggml.scores", .array([.string("x")]))]))
        }
    }
}
