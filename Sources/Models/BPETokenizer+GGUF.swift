extension BPETokenizer {
    /// The tokenizer stored in a GGUF file's metadata.
    ///
    /// Reads `tokenizer.ggml.model` (must be `"gpt2"`), `.tokens`, `.merges` (both required), `.token_type`,
    /// `.pre` (llama.cpp's `"default"` when absent), `.bos_token_id`, `.eos_token_id` and `.add_bos_token`
    /// (false when absent).
    /// - Throws: `TokenizerError.missingMetadata` for a required key that is absent,
    ///   `TokenizerError.wrongMetadataType` for a key of the wrong type, `TokenizerError.unsupportedModel` for
    ///   another tokenizer model (SentencePiece `"llama"` included), and the errors of
    ///   `init(tokens:merges:tokenTypes:preTokenizer:bos:eos:addBOS:)`.
    public init(gguf file: GGUFFile) throws {
        let model: String = try Self.required(file, "tokenizer.ggml.model", "a string", file.string)
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
        try self.init(
            tokens: Self.required(file, "tokenizer.ggml.tokens", "an array of strings", file.strings),
            merges: Self.required(file, "tokenizer.ggml.merges", "an array of strings", file.strings),
            tokenTypes: Self.optional(file, "tokenizer.ggml.token_type", "an array of integers", file.integers),
            preTokenizer: Self.optional(file, "tokenizer.ggml.pre", "a string", file.string)
                ?? PreTokenizer.llamaDefault.rawValue,
            bos: Self.optional(file, "tokenizer.ggml.bos_token_id", "an integer", file.integer),
            eos: Self.optional(file, "tokenizer.ggml.eos_token_id", "an integer", file.integer),
            addBOS: Self.optional(file, "tokenizer.ggml.add_bos_token", "a bool") { key in
                if case .bool(let value) = file.metadata[key] { return value }
                return nil
            } ?? false)
    }

    /// A metadata value that must be present and of the type `read` accepts.
    private static func required<T>(_ file: GGUFFile, _ key: String, _ expected: String, _ read: (String) -> T?)
        throws -> T
    {
        guard let value = try optional(file, key, expected, read) else {
            throw TokenizerError.missingMetadata(key: key, expected: expected)
        }
        return value
    }

    /// A metadata value that may be absent but, when present, must be of the type `read` accepts.
    private static func optional<T>(_ file: GGUFFile, _ key: String, _ expected: String, _ read: (String) -> T?)
        throws -> T?
    {
        guard let stored = file.metadata[key] else { return nil }
        guard let value = read(key) else {
            throw TokenizerError.wrongMetadataType(key: key, expected: expected, found: stored.summary)
        }
        return value
    }
}
