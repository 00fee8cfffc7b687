/// What the forward pass needs from a tokenizer, whichever kind the model file has.
public protocol TextTokenizer: Sendable {
    /// The number of tokens in the vocabulary.
    var tokenCount: Int { get }
    /// The beginning-of-sequence token, if any.
    var bos: Int? { get }
    /// The end-of-sequence token, if any.
    var eos: Int? { get }
    /// Whether a prompt should start with `bos` (which `encode` never adds).
    var addBOS: Bool { get }
    /// The id of a token string in the vocabulary's own spelling.
    func id(of token: String) -> Int?
    /// Token ids for `text`; control tokens such as `<|im_start|>` are single ids only with `parseSpecial`.
    func encode(_ text: String, parseSpecial: Bool) -> [Int]
    /// The text of `ids` (invalid UTF-8 replaced by U+FFFD); throws for an id outside the vocabulary.
    func decode(_ ids: [Int]) throws -> String
    /// The raw bytes of `ids`; throws for an id outside the vocabulary.
    func bytes(of ids: [Int]) throws -> [UInt8]
}

extension BPETokenizer: TextTokenizer {}
extension SentencePieceTokenizer: TextTokenizer {}

/// The tokenizer a GGUF file describes: a `BPETokenizer` for `tokenizer.ggml.model = "gpt2"`, a
/// `SentencePieceTokenizer` for `"llama"`.
/// - Throws: `TokenizerError.unsupportedModel` for any other model, and the errors of the two initializers.
public func loadTokenizer(from file: GGUFFile) throws -> any TextTokenizer {
    let model: String = try TokenizerMetadata.required(file, "tokenizer.ggml.model", "a string", file.string)
    switch model {
    case "gpt2": return try BPETokenizer(gguf: file)
    case "llama": return try SentencePieceTokenizer(gguf: file)
    default: throw TokenizerError.unsupportedModel(model)
    }
}

extension BPETokenizer {
    /// The byte-level BPE tokenizer stored in a GGUF file's metadata.
    ///
    /// Reads `tokenizer.ggml.model` (must be `"gpt2"`), `.tokens`, `.merges` (both required), `.token_type`,
    /// `.pre` (llama.cpp's `"default"` when absent), `.bos_token_id`, `.eos_token_id` and `.add_bos_token`
    /// (false when absent).
    /// - Throws: `TokenizerError.missingMetadata` for a required key that is absent,
    ///   `TokenizerError.wrongMetadataType` for a key of the wrong type, `TokenizerError.modelMismatch` for
    ///   another tokenizer model (SentencePiece `"llama"` included: see `loadTokenizer(from:)`), and the errors
    ///   of `init(tokens:merges:tokenTypes:preTokenizer:bos:eos:addBOS:)`.
    public init(gguf file: GGUFFile) throws {
        typealias M = TokenizerMetadata
        let model: String = try M.required(file, "tokenizer.ggml.model", "a string", file.string)
        guard model == "gpt2" else { throw TokenizerError.modelMismatch(found: model, expected: "gpt2") }
        try self.init(
            tokens: M.required(file, "tokenizer.ggml.tokens", "an array of strings", file.strings),
            merges: M.required(file, "tokenizer.ggml.merges", "an array of strings", file.strings),
            tokenTypes: M.optional(file, "tokenizer.ggml.token_type", "an array of integers", file.integers),
            preTokenizer: M.optional(file, "tokenizer.ggml.pre", "a string", file.string)
                ?? PreTokenizer.llamaDefault.rawValue,
            bos: M.optional(file, "tokenizer.ggml.bos_token_id", "an integer", file.integer),
            eos: M.optional(file, "tokenizer.ggml.eos_token_id", "an integer", file.integer),
            addBOS: M.optional(file, "tokenizer.ggml.add_bos_token", "a bool", M.bool(file)) ?? false)
    }
}

extension SentencePieceTokenizer {
    /// The SentencePiece tokenizer stored in a GGUF file's metadata.
    ///
    /// Reads `tokenizer.ggml.model` (must be `"llama"`), `.tokens` (required), `.scores` (all 0 when absent),
    /// `.token_type`, `.bos_token_id`, `.eos_token_id`, `.unknown_token_id` (llama.cpp's defaults 1, 2 and 0
    /// when absent), `.add_bos_token` and `.add_space_prefix` (both true when absent).
    /// - Throws: `TokenizerError.missingMetadata`, `.wrongMetadataType`, `.modelMismatch`, and the errors of
    ///   `init(tokens:scores:tokenTypes:bos:eos:unknown:addBOS:addSpacePrefix:)`.
    public init(gguf file: GGUFFile) throws {
        typealias M = TokenizerMetadata
        let model: String = try M.required(file, "tokenizer.ggml.model", "a string", file.string)
        guard model == "llama" else { throw TokenizerError.modelMismatch(found: model, expected: "llama") }
        let tokens = try M.required(file, "tokenizer.ggml.tokens", "an array of strings", file.strings)
        // llama.cpp's defaults only where the vocabulary is big enough to hold them.
        func defaulted(_ value: Int) -> Int? { value < tokens.count ? value : nil }
        try self.init(
            tokens: tokens,
            scores: M.optional(file, "tokenizer.ggml.scores", "an array of floats") { key in
                file.metadata[key]?.arrayValue.flatMap { values in
                    let floats = values.compactMap { $0.floatValue.map(Float.init) }
                    return floats.count == values.count ? floats : nil
                }
            },
            tokenTypes: M.optional(file, "tokenizer.ggml.token_type", "an array of integers", file.integers),
            bos: M.optional(file, "tokenizer.ggml.bos_token_id", "an integer", file.integer) ?? defaulted(1),
            eos: M.optional(file, "tokenizer.ggml.eos_token_id", "an integer", file.integer) ?? defaulted(2),
            unknown: M.optional(file, "tokenizer.ggml.unknown_token_id", "an integer", file.integer)
                ?? defaulted(0),
            addBOS: M.optional(file, "tokenizer.ggml.add_bos_token", "a bool", M.bool(file)) ?? true,
            addSpacePrefix: M.optional(file, "tokenizer.ggml.add_space_prefix", "a bool", M.bool(file)) ?? true)
    }
}

/// Reading tokenizer metadata with errors that name the key.
enum TokenizerMetadata {
    /// A metadata value that must be present and of the type `read` accepts.
    static func required<T>(_ file: GGUFFile, _ key: String, _ expected: String, _ read: (String) -> T?) throws -> T {
        guard let value = try optional(file, key, expected, read) else {
            throw TokenizerError.missingMetadata(key: key, expected: expected)
        }
        return value
    }

    /// A metadata value that may be absent but, when present, must be of the type `read` accepts.
    static func optional<T>(_ file: GGUFFile, _ key: String, _ expected: String, _ read: (String) -> T?) throws
        -> T?
    {
        guard let stored = file.metadata[key] else { return nil }
        guard let value = read(key) else {
            throw TokenizerError.wrongMetadataType(key: key, expected: expected, found: stored.summary)
        }
        return value
    }

    /// A reader for bool values.
    static func bool(_ file: GGUFFile) -> (String) -> Bool? {
        { key in
            if case .bool(let value) = file.metadata[key] { return value }
            return nil
        }
    }
}
