/// Why a tokenizer could not be built or could not decode.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case emptyVocabulary
    case vocabularyTooLarge(count: Int)
    case unknownPreTokenizer(String)
    case unsupportedModel(String)
    case modelMismatch(found: String, expected: String)
    case missingMetadata(key: String, expected: String)
    case wrongMetadataType(key: String, expected: String, found: String)
    case tokenTypeCount(tokens: Int, types: Int)
    case scoreCount(tokens: Int, scores: Int)
    case invalidScore(token: Int, value: Double)
    case invalidTokenType(token: Int, value: Int)
    case malformedMerge(rank: Int, merge: String)
    case mergeTokenMissing(rank: Int, merge: String, missing: String)
    case specialTokenOutOfRange(name: String, id: Int, vocabularySize: Int)
    case tokenIDOutOfRange(id: Int, position: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .emptyVocabulary:
            return "tokenizer: the vocabulary is empty (tokenizer.ggml.tokens has no entries)"
        case .vocabularyTooLarge(let count):
            return "tokenizer: the vocabulary has \(count) tokens, more than the 2^31-1 that token ids allow"
        case .unknownPreTokenizer(let name):
            let known = BPETokenizer.PreTokenizer.allKnown
            return "tokenizer: unknown pre-tokenizer \"\(name)\" (tokenizer.ggml.pre); supported: \(known)"
        case .unsupportedModel(let name):
            return "tokenizer: unsupported tokenizer model \"\(name)\" (tokenizer.ggml.model); supported: \"gpt2\" "
                + "(byte-level BPE) and \"llama\" (SentencePiece)"
        case .modelMismatch(let found, let expected):
            return "tokenizer: tokenizer.ggml.model is \"\(found)\", but this reader takes \"\(expected)\"; "
                + "loadTokenizer(from:) picks the tokenizer for any supported model"
        case .missingMetadata(let key, let expected):
            return "tokenizer: the GGUF file has no \(key) (\(expected)); it is not a file with a tokenizer"
        case .wrongMetadataType(let key, let expected, let found):
            return "tokenizer: \(key) should be \(expected) but is \(found)"
        case .tokenTypeCount(let tokens, let types):
            return "tokenizer: \(types) token types for \(tokens) tokens (tokenizer.ggml.token_type must have "
                + "one entry per token)"
        case .scoreCount(let tokens, let scores):
            return "tokenizer: \(scores) scores for \(tokens) tokens (tokenizer.ggml.scores must have one entry per "
                + "token)"
        case .invalidScore(let token, let value):
            return "tokenizer: token \(token) has score \(value); scores must be finite"
        case .invalidTokenType(let token, let value):
            return "tokenizer: token \(token) has type \(value); token types are 0...6"
        case .malformedMerge(let rank, let merge):
            return "tokenizer: merge \(rank) \"\(merge)\" is not two tokens separated by one space"
        case .mergeTokenMissing(let rank, let merge, let missing):
            return "tokenizer: merge \(rank) \"\(merge)\" needs \"\(missing)\", which is not in the vocabulary"
        case .specialTokenOutOfRange(let name, let id, let size):
            return "tokenizer: the \(name) token id \(id) is outside the vocabulary (0..<\(size))"
        case .tokenIDOutOfRange(let id, let position, let size):
            return "tokenizer: token id \(id) at position \(position) is outside the vocabulary (0..<\(size))"
        }
    }
}
