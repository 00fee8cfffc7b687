import Foundation
import Testing

@testable import Models

/// SplitMix64: a small seeded generator, so every run tests the same strings.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Merges that build each word of `words` symbol by symbol from the left (so every merge is valid).
func mergesBuilding(_ words: [String]) -> [String] {
    var merges: [String] = []
    for word in words {
        let symbols = ByteLevel.encode(word.utf8).unicodeScalars.map { String($0) }
        var built = symbols[0]
        for symbol in symbols.dropFirst() {
            let merge = built + " " + symbol
            if !merges.contains(merge) { merges.append(merge) }
            built += symbol
        }
    }
    return merges
}

/// The textbook BPE loop on strings: merge the adjacent pair of lowest rank (leftmost on a tie) until none
/// has a rank. Independent of `BPETokenizer.bpe`'s heap and id tables.
func referenceBPE(_ word: [UInt8], merges: [String], vocabulary: Set<String>) -> [String] {
    var ranks: [String: Int] = [:]
    for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
    var symbols = word.map { String(ByteLevel.scalarForByte[Int($0)]) }.filter { vocabulary.contains($0) }
    while symbols.count > 1 {
        var best: (rank: Int, index: Int)?
        for index in 0..<(symbols.count - 1) {
            if let rank = ranks[symbols[index] + " " + symbols[index + 1]], rank < (best?.rank ?? .max) {
                best = (rank, index)
            }
        }
        guard let best else { break }
        symbols[best.index] += symbols[best.index + 1]
        symbols.remove(at: best.index + 1)
    }
    return symbols
}

@Suite struct TokenizerPropertyTests {
    /// Scalars the random texts are drawn from: ASCII of every class, whitespace of several kinds, accents and
    /// combining marks, CJK, emoji pieces, non-ASCII numbers; plus (below) any scalar at all.
    static let pool: [Unicode.Scalar] = Array(
        "aAzZ eIt'sllmdrv 0123456789 .,!?$+<=>^~|_-()[]\"\t\n\r\u{0B}\u{0C}\u{85}\u{A0}\u{2003}\u{3000}"
            + "éñÅ\u{301}\u{308}日本語한😀👍\u{1F3FD}\u{200D}½①٣𝟘"
    ).flatMap(\.unicodeScalars)

    static func randomText(_ rng: inout SplitMix64, specials: [String] = []) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...40, using: &rng) {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0:
                // Any scalar (surrogate code points are not scalars).
                let value = UInt32.random(in: 0...0x10FFFF, using: &rng)
                text.unicodeScalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            case 1 where !specials.isEmpty:
                text += specials.randomElement(using: &rng)!
            default:
                text.unicodeScalars.append(pool.randomElement(using: &rng)!)
            }
        }
        return text
    }

    @Test(arguments: BPETokenizer.PreTokenizer.allCases)
    func encodeThenDecodeGivesTheTextBack(pre: BPETokenizer.PreTokenizer) throws {
        let vocabulary = TinyVocabulary(
            specials: [("<|im_start|>", .control), ("<|im_end|>", .control)],
            merges: mergesBuilding(["the", " the", " t", "ll", "'s", "日本", "é", "  ", "\n\n", "12", "👍"]))
        let tok = try vocabulary.tokenizer(pre.rawValue)
        var rng = SplitMix64(state: 0x5EED_0001)
        for _ in 0..<400 {
            let text = Self.randomText(&rng, specials: ["<|im_start|>", "<|im_end|>"])
            for parseSpecial in [false, true] {
                let ids = tok.encode(text, parseSpecial: parseSpecial)
                #expect(try tok.decode(ids) == text, "\(pre) parseSpecial \(parseSpecial): \(text.debugDescription)")
                #expect(ids.allSatisfy { (0..<tok.tokenCount).contains($0) })
            }
            // Control tokens appear in the ids only when asked for.
            #expect(!tok.encode(text).contains(where: { $0 < 2 }))
        }
    }

    /// The words Swift's own regex engine finds with the GPT-2 pattern (scalar semantics, so a combining mark
    /// is not glued to its base letter): a reference independent of `PreSplit`'s hand-written matcher.
    static func regexWords(_ text: String) throws -> [String] {
        let pattern = try Regex(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)
            .matchingSemantics(.unicodeScalar)
        return text.matches(of: pattern).map { String(text.unicodeScalars[$0.range]) }
    }

    /// `regexWords` after cutting out every `\p{N}` scalar as a word of its own (SmolLM's pre-tokenizer).
    static func regexWordsIsolatingNumbers(_ text: String) throws -> [String] {
        let number = try Regex(#"\p{N}"#).matchingSemantics(.unicodeScalar)
        var out: [String] = []
        var stretch = ""
        for scalar in text.unicodeScalars {
            if String(scalar).wholeMatch(of: number) != nil {
                out += try regexWords(stretch) + [String(scalar)]
                stretch = ""
            } else {
                stretch.unicodeScalars.append(scalar)
            }
        }
        return out + (try regexWords(stretch))
    }

    @Test func preSplitMatchesSwiftRegex() throws {
        var rng = SplitMix64(state: 0x5EED_0004)
        for _ in 0..<500 {
            let text = Self.randomText(&rng)
            let scalars = ScalarText(Substring(text))
            func words(_ pre: BPETokenizer.PreTokenizer) -> [String] {
                PreSplit.pieces(scalars, 0..<scalars.count, pre).map {
                    String(String.UnicodeScalarView(scalars.scalars[$0]))
                }
            }
            #expect(words(.gpt2) == (try Self.regexWords(text)), "\(text.debugDescription)")
            #expect(words(.smollm) == (try Self.regexWordsIsolatingNumbers(text)), "\(text.debugDescription)")
        }
    }

    @Test func concurrentEncodingGivesTheSameIds() async throws {
        let tok = try TinyVocabulary(merges: mergesBuilding(["the", " the", "ll", "12"])).tokenizer()
        var rng = SplitMix64(state: 0x5EED_0003)
        let texts = (0..<64).map { _ in Self.randomText(&rng) }
        let expected = texts.map { tok.encode($0) }
        let results = await withTaskGroup(of: [[Int]].self) { group in
            for _ in 0..<4 { group.addTask { texts.map { tok.encode($0) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        for result in results { #expect(result == expected) }
    }

    @Test func heapBPEMatchesTheTextbookLoop() throws {
        // Many merges over a three-letter alphabet, in an order where rank and position both matter.
        let merges = [
            "a b", "b c", "c a", "a a", "ab c", "b b", "c c", "aa a", "bc a", "ca b", "bb b", "cc c", "abc a",
            "aa aa", "bb bb", "ab ab", "cab c", "c ab", "a bc", "abc abc", "b a", "ba b",
        ]
        let vocabulary = TinyVocabulary(merges: merges)
        let tok = try vocabulary.tokenizer()
        let known = Set(vocabulary.tokens)
        var rng = SplitMix64(state: 0x5EED_0002)
        for _ in 0..<1000 {
            let length = Int.random(in: 1...80, using: &rng)
            let word = (0..<length).map { _ in
                [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c")][Int.random(in: 0..<3, using: &rng)]
            }
            let expected = referenceBPE(word, merges: merges, vocabulary: known).map { tok.id(of: $0)! }
            #expect(tok.bpe(word[...]) == expected, "\(String(decoding: word, as: UTF8.self))")
        }
    }
}
