import ArgumentParser
import ExperimentStore
import Foundation
import Models

/// `kvlab capture MODEL.gguf --text FILE --name NAME`: run a model on a text and store its caches as a dataset.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Run a Llama-family GGUF model on a text and store its KV caches and queries as a dataset.",
        discussion: """
            Tokenizes the text with the model's own tokenizer (or reads token ids), runs the model once over \
            the first --max-tokens tokens, and stores every layer's K (after RoPE), V and Q (after RoPE) of every \
            head as a dataset named NAME, in Hugging Face's rotate-half coordinate order, with the model's name \
            and SHA-256, the token ids and the text. Prints the model's perplexity and top-1 next-token accuracy \
            on the text (`perplexity: X` on its own line). The same model and text give the same dataset, bit \
            for bit, on any machine and thread count. A file that is not a supported model, an empty text or a \
            name holding other content is exit 2 and changes nothing.
            Example: kvlab capture .models/SmolLM2-135M-Instruct.Q4_1.gguf --text data/lighthouses.txt --name smollm2
            """)

    @Argument(
        help: ArgumentHelp("A Llama-family .gguf model file.", valueName: "model"),
        completion: .file(extensions: ["gguf"]))
    var model: String

    @Option(help: ArgumentHelp("A UTF-8 text file to run the model on.", valueName: "file"), completion: .file())
    var text: String?

    @Option(
        name: .customLong("tokens-file"),
        help: ArgumentHelp(
            "Token ids instead of a text: a JSON array or whitespace-separated integers.", valueName: "file"),
        completion: .file())
    var tokensFile: String?

    @Option(name: .customLong("max-tokens"), help: "Keep at most this many tokens (the first ones).")
    var maxTokens: Int = 1024

    @Option(help: "The dataset's name.")
    var name: String

    @Option(help: "Worker threads (default: all cores; the numbers do not depend on it).")
    var threads: Int?

    @Flag(help: "No progress output.")
    var quiet = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            try Store.validateDatasetName(name)
            try ModelInput.check(text: text, tokensFile: tokensFile, maxTokens: maxTokens)
            let threads = self.threads ?? defaultJobs()
            guard threads >= 1 else { throw CLIError.badInput("--threads: \(threads) must be ≥ 1") }
            let start = Date()
            let (file, tokenizer, llama) = try LoadedModel.open(model)
            let (tokens, storedText) = try ModelInput.tokens(
                text: text, tokensFile: tokensFile, maxTokens: maxTokens, tokenizer: tokenizer)
            guard tokens.count >= 2 else {
                throw CLIError.badInput("the input has \(tokens.count) token(s); at least 2 are needed")
            }
            let dims = llama.dimensions
            let reporter = quiet ? nil : LayerProgress(layers: dims.layers)
            let capture = try llama.capture(tokens: tokens, threads: threads) { reporter?.update($0) }
            reporter?.finish()
            let manifest = DatasetManifest(
                layers: dims.layers, kvHeads: dims.kvHeads, queryHeads: dims.heads, headDim: dims.headDim,
                tokens: tokens.count)
            let content = DatasetContent(manifest: manifest) { key in
                switch key.kind {
                case .k: return capture.keys[key.layer][key.head]
                case .v: return capture.values[key.layer][key.head]
                case .q: return capture.queries[key.layer][key.head]
                }
            }
            let metadata = DatasetMetadata(
                model: file.string("general.name") ?? URL(fileURLWithPath: model).lastPathComponent,
                modelSHA256: try FileDigest.sha256(path: model), tokenIDs: tokens.map { UInt32($0) },
                text: storedText)
            let store = try database.open(.readWrite)
            let (record, _) = try store.importDataset(
                DatasetFile(content: content, metadata: metadata), name: name,
                provenance: Provenance.current(
                    kvlabVersion: VersionInfo.kvlab,
                    command: commandLine()))
            try store.checkpoint()
            let evaluation = capture.evaluation
            print("dataset: \(record.name) (\(record.contentHash))")
            print("tokens: \(tokens.count)")
            print("perplexity: \(evaluation.perplexity)")
            print("top1_accuracy: \(evaluation.top1Accuracy)")
            if !quiet {
                Console.note(
                    "kvlab: captured \(dims.layers) layers × (\(dims.kvHeads) K + \(dims.kvHeads) V + \(dims.heads) Q) "
                        + "heads of \(tokens.count) tokens in \(ProgressReporter.duration(Date().timeIntervalSince(start)))"
                )
            }
        }
    }
}

/// A one-line progress bar over a model's layers, on stderr.
final class LayerProgress: Sendable {
    let layers: Int

    init(layers: Int) { self.layers = layers }

    func update(_ done: Int) {
        let width = 30
        let filled = layers > 0 ? done * width / layers : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] layer \(done)/\(layers)".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}

/// A GGUF model opened for running: its file, tokenizer and forward pass (what `capture` and `model
/// generate` need), with every problem of the file as bad input (exit 2) naming it.
enum LoadedModel {
    static func open(_ path: String) throws -> (file: GGUFFile, tokenizer: any TextTokenizer, model: LlamaModel) {
        do {
            let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
            return (file, try loadTokenizer(from: file), try LlamaModel(gguf: file))
        } catch let error as GGUFError {
            if case .cannotOpen = error { throw error }
            throw CLIError.badInput("\(path): \(error.description)")
        } catch let error as TokenizerError {
            throw CLIError.badInput("\(path): \(error.description)")
        }
    }
}

/// The token ids a command reads from `--text FILE` (tokenized with the model's tokenizer, BOS added when the
/// model asks for it) or `--tokens-file FILE`, cut to the first `maxTokens`.
enum ModelInput {
    /// Checks the options before the model is loaded.
    static func check(text: String?, tokensFile: String?, maxTokens: Int) throws {
        guard (text == nil) != (tokensFile == nil) else {
            throw CLIError.badInput("give exactly one of --text FILE and --tokens-file FILE")
        }
        guard maxTokens >= 1 else { throw CLIError.badInput("--max-tokens: \(maxTokens) must be ≥ 1") }
    }

    /// The ids and, from a text, the text they decode to (options checked by ``check(text:tokensFile:maxTokens:)``).
    static func tokens(text: String?, tokensFile: String?, maxTokens: Int, tokenizer: any TextTokenizer) throws -> (
        ids: [Int], text: String?
    ) {
        guard let text else {
            return (Array(try readTokens(tokensFile ?? "", vocabulary: tokenizer.tokenCount).prefix(maxTokens)), nil)
        }
        guard let content = try? String(contentsOfFile: text, encoding: .utf8) else {
            throw CLIError.badInput("--text: \(text) cannot be read as UTF-8 text")
        }
        var tokens = tokenizer.encode(content, parseSpecial: false)
        if tokenizer.addBOS, let bos = tokenizer.bos { tokens.insert(bos, at: 0) }
        tokens = Array(tokens.prefix(maxTokens))
        return (tokens, try tokenizer.decode(tokens))
    }

    /// Token ids from a file: a JSON array or whitespace-separated integers, each in the vocabulary.
    static func readTokens(_ path: String, vocabulary: Int) throws -> [Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError.badInput("--tokens-file: \(path) cannot be read as UTF-8 text")
        }
        let words = text.split { $0.isWhitespace || $0 == "," || $0 == "[" || $0 == "]" }
        var ids: [Int] = []
        for (index, word) in words.enumerated() {
            guard let id = Int(word), id >= 0, id < vocabulary else {
                throw CLIError.badInput(
                    "--tokens-file: \(path): entry \(index) (\(word.prefix(20))) is not a token id in 0…\(vocabulary - 1)"
                )
            }
            ids.append(id)
        }
        return ids
    }
}
