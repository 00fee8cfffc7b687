import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// `Fixtures/tokenizer-golden.json`, written by `scripts/golden/tokenizer.py` from a hand-configured Hugging
/// Face `tokenizers` reference over the test model's vocabulary.
struct TokenizerGolden: Decodable {
    struct Generator: Decodable {
        let model_sha256: String
    }

    struct Case: Decodable {
        let pre: String
        let parse_special: Bool
        let text: String
        let lossless: Bool
        let ids: [Int]
    }

    let generator: Generator
    let cases: [Case]

    static func load() throws -> TokenizerGolden {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/tokenizer-golden", withExtension: "json"))
        return try JSONDecoder().decode(TokenizerGolden.self, from: Data(contentsOf: url))
    }
}

@Suite struct TokenizerGoldenTests {
    @Test func fixtureCoversEveryPreTokenizerAndTheChatTemplate() throws {
        let golden = try TokenizerGolden.load()
        #expect(golden.generator.model_sha256 == TestModel.sha256)
        #expect(Set(golden.cases.map(\.pre)) == Set(BPETokenizer.PreTokenizer.allCases.map(\.rawValue)))
        #expect(golden.cases.contains { $0.parse_special && $0.ids.contains(1) })
        #expect(golden.cases.contains { $0.text.isEmpty && $0.ids.isEmpty })
    }

    @Test(.enabled(if: TestModel.path != nil))
    func smolLM2MatchesTheReference() throws {
        let file = try GGUFFile(contentsOf: TestModel.path!)
        let smollm = try BPETokenizer(gguf: file)
        #expect(smollm.preTokenizer == .smollm)
        #expect(smollm.tokenCount == 49152)
        #expect(smollm.bos == 1 && smollm.eos == 2 && !smollm.addBOS)
        #expect(smollm.id(of: "<|im_start|>") == 1)
        #expect(smollm.id(of: "<|im_end|>") == 2)
        var tokenizers: [String: BPETokenizer] = ["smollm": smollm]
        for pre in ["gpt2", "default"] {
            tokenizers[pre] = try BPETokenizer(
                tokens: smollm.tokens, merges: file.strings("tokenizer.ggml.merges")!,
                tokenTypes: smollm.tokenTypes.map(\.rawValue), preTokenizer: pre, bos: 1, eos: 2, addBOS: false)
        }
        let golden = try TokenizerGolden.load()
        for golden in golden.cases {
            let tok = try #require(tokenizers[golden.pre])
            let ids = tok.encode(golden.text, parseSpecial: golden.parse_special)
            #expect(
                ids == golden.ids,
                "\(golden.pre) parseSpecial \(golden.parse_special): \(golden.text.debugDescription)")
            if golden.lossless {
                #expect(try tok.decode(ids) == golden.text)
            }
        }
    }
}
