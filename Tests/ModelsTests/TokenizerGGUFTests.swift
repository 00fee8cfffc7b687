import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// `BPETokenizer(gguf:)` on tiny GGUF files written by the test-support writer.
@Suite struct TokenizerGGUFTests {
    let vocabulary = TinyVocabulary(
        specials: [("<|endoftext|>", .control), ("<|im_start|>", .control), ("<|im_end|>", .control)],
        merges: handMerges)

    /// A file with a complete tokenizer, then `edit` applied to its metadata (nil removes a key).
    func file(_ edit: [String: GGUFValue?] = [:]) throws -> GGUFFile {
        var metadata: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(vocabulary.tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(vocabulary.types.map { .int32(Int32($0)) })),
            ("tokenizer.ggml.merges", .array(vocabulary.merges.map { .string($0) })),
            ("tokenizer.ggml.bos_token_id", .uint32(1)),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.add_bos_token", .bool(true)),
        ]
        for (key, value) in edit {
            metadata.removeAll { $0.0 == key }
            if let value { metadata.append((key, value)) }
        }
        var writer = GGUFWriter()
        for (key, value) in metadata { writer.set(key, value) }
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("tokenizer.gguf")
        try writer.write(to: url)
        return try GGUFFile(contentsOf: url)
    }

    @Test func readsEveryKey() throws {
        let tok = try BPETokenizer(gguf: file())
        let plain = try vocabulary.tokenizer()
        #expect(tok.tokens == vocabulary.tokens)
        #expect(tok.preTokenizer == .smollm)
        #expect(tok.bos == 1 && tok.eos == 2 && tok.addBOS)
        #expect(tok.tokenTypes[1] == .control && tok.tokenTypes[3] == .normal)
        let text = "<|im_start|>hello the tell 123<|im_end|>"
        #expect(tok.encode(text, parseSpecial: true) == plain.encode(text, parseSpecial: true))
        #expect(tok.encode(text, parseSpecial: true).first == 1)
    }

    @Test func optionalKeysHaveDefaults() throws {
        let tok = try BPETokenizer(
            gguf: file([
                "tokenizer.ggml.pre": nil, "tokenizer.ggml.token_type": nil, "tokenizer.ggml.bos_token_id": nil,
                "tokenizer.ggml.eos_token_id": nil, "tokenizer.ggml.add_bos_token": nil,
            ]))
        #expect(tok.preTokenizer == .llamaDefault)
        #expect(tok.tokenTypes.allSatisfy { $0 == .normal })
        #expect(tok.bos == nil && tok.eos == nil && !tok.addBOS)
    }

    @Test func refusesOtherModelsAndPreTokenizers() throws {
        #expect(throws: TokenizerError.modelMismatch(found: "llama", expected: "gpt2")) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.model": .string("llama")]))
        }
        #expect(throws: TokenizerError.unsupportedModel("t5")) {
            try loadTokenizer(from: file(["tokenizer.ggml.model": .string("t5")]))
        }
        #expect(try loadTokenizer(from: file()) is BPETokenizer)
        #expect(throws: TokenizerError.unknownPreTokenizer("qwen2")) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.pre": .string("qwen2")]))
        }
    }

    @Test func missingOrMistypedKeys() throws {
        #expect(throws: TokenizerError.missingMetadata(key: "tokenizer.ggml.model", expected: "a string")) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.model": nil]))
        }
        #expect(throws: TokenizerError.missingMetadata(key: "tokenizer.ggml.merges", expected: "an array of strings")) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.merges": nil]))
        }
        #expect(
            throws: TokenizerError.wrongMetadataType(
                key: "tokenizer.ggml.tokens", expected: "an array of strings", found: "[1, 2]")
        ) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.tokens": .array([.int32(1), .int32(2)])]))
        }
        #expect(
            throws: TokenizerError.wrongMetadataType(
                key: "tokenizer.ggml.add_bos_token", expected: "a bool", found: "1")
        ) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.add_bos_token": .uint8(1)]))
        }
        #expect(throws: TokenizerError.specialTokenOutOfRange(name: "eos", id: 9999, vocabularySize: 269)) {
            try BPETokenizer(gguf: file(["tokenizer.ggml.eos_token_id": .uint32(9999)]))
        }
    }
}
