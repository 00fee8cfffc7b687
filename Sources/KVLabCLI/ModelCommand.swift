import ArgumentParser
import ExperimentStore
import Foundation
import Models

/// `kvlab model`: real language models (GGUF files).
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect real language models (Llama-family GGUF files) and register them for model-level runs.",
        discussion: "Example: kvlab model info .models/SmolLM2-135M-Instruct.Q4_1.gguf",
        subcommands: [Info.self, Generate.self, Add.self, List.self]
    )

    /// `kvlab model info MODEL.gguf`.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Show a GGUF model's shape: layers, widths, heads, vocabulary, RoPE, tensor types.",
            discussion: """
                Reads the file's header, metadata and tensor directory (the tensor data is memory-mapped, not \
                read) and checks that it is a complete Llama-family model: every expected tensor present with \
                the shape its metadata implies. GGUF versions 2 and 3. A file that is not GGUF, is truncated or \
                malformed, or holds another architecture is exit 2 with the reason.
                Example: kvlab model info .models/SmolLM2-135M-Instruct.Q4_1.gguf --format json
                """)

        @Argument(
            help: ArgumentHelp("A .gguf model file.", valueName: "model"), completion: .file(extensions: ["gguf"]))
        var path: String

        @Option(help: "Output format: table or json.")
        var format: CodebookFormat = .table

        func run() async throws {
            try await reportingErrors {
                let url = URL(fileURLWithPath: path)
                let (file, shape): (GGUFFile, LlamaHyperparameters)
                do {
                    file = try GGUFFile(contentsOf: url)
                    shape = try LlamaHyperparameters(file)
                } catch let error as GGUFError {
                    if case .cannotOpen = error { throw error }
                    throw CLIError.badInput("\(path): \(error.description)")
                }
                print(Self.render(Self.fields(file, shape), format: format))
            }
        }

        /// The facts shown, in order.
        static func fields(_ file: GGUFFile, _ h: LlamaHyperparameters) -> [(String, JSONValue)] {
            var counts: [String: Int] = [:]
            for t in file.tensors { counts[t.type.name, default: 0] += 1 }
            let types = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            // A float32 value shown as its shortest float32 decimal (1e-05, not 9.999999747378752e-06).
            func number(_ key: String, _ value: Double) -> JSONValue {
                if case .float32(let f) = file.metadata[key], let d = Double("\(f)") { return .double(d) }
                return .double(value)
            }
            return [
                ("file", .string(file.url.path)), ("gguf_version", .int(Int(file.version))),
                ("architecture", .string(file.string("general.architecture") ?? "")),
                ("name", file.string("general.name").map(JSONValue.string) ?? .null),
                ("layers", .int(h.layerCount)), ("d_model", .int(h.embeddingLength)), ("heads", .int(h.headCount)),
                ("kv_heads", .int(h.kvHeadCount)), ("head_dim", .int(h.headDimension)),
                ("ff", .int(h.feedForwardLength)), ("vocab", .int(h.vocabularySize)),
                ("rope_base", number("llama.rope.freq_base", h.ropeFrequencyBase)),
                ("rms_eps", number("llama.attention.layer_norm_rms_epsilon", h.rmsNormEpsilon)),
                ("context_length", .int(h.contextLength)), ("tied_output", .bool(h.tiedOutput)),
                ("tensors", .int(file.tensors.count)),
                ("tensor_types", .object(types.map { ($0.key, .int($0.value)) })),
                ("parameters", .int(parameters)), ("file_size", .int(file.fileSize)),
            ]
        }

        /// `field<TAB>value` lines (tensor types as `Q4_1 210, F32 61`), or a JSON object.
        static func render(_ fields: [(String, JSONValue)], format: CodebookFormat) -> String {
            switch format {
            case .json: return JSONValue.object(fields).rendered(pretty: true)
            case .table:
                return fields.map { key, value in
                    let text: String
                    switch value {
                    case .string(let s): text = s
                    case .null: text = ""
                    case .object(let members):
                        text = members.map { "\($0.0) \($0.1.rendered())" }.joined(separator: ", ")
                    default: text = value.rendered()
                    }
                    return "\(key)\t\(text)"
                }.joined(separator: "\n")
            }
        }
    }

    /// `kvlab model generate MODEL.gguf --prompt TEXT`: a greedy answer through the ChatML template.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Answer a prompt greedily with a chat model (ChatML template, as SmolLM2 uses).",
            discussion: """
                Wraps the prompt in the ChatML template (<|im_start|>user … <|im_end|> <|im_start|>assistant), \
                runs the model with a KV cache and prints the most likely token at each step until \
                <|im_end|>, the end-of-text token or --max-tokens. Deterministic: the same model and prompt \
                give the same answer on any machine and thread count.
                Example: kvlab model generate .models/SmolLM2-135M-Instruct.Q4_1.gguf --prompt "What is the capital of France?"
                """)

        @Argument(
            help: ArgumentHelp("A Llama-family .gguf chat model.", valueName: "model"),
            completion: .file(extensions: ["gguf"]))
        var path: String

        @Option(help: "The user's message.")
        var prompt: String

        @Option(help: "An optional system message.")
        var system: String?

        @Option(name: .customLong("max-tokens"), help: "Stop after this many new tokens.")
        var maxTokens: Int = 128

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        func run() async throws {
            try await reportingErrors {
                guard maxTokens >= 1 else { throw CLIError.badInput("--max-tokens: \(maxTokens) must be ≥ 1") }
                let (_, tokenizer, model) = try LoadedModel.open(path)
                guard tokenizer.id(of: "<|im_start|>") != nil, let end = tokenizer.id(of: "<|im_end|>") else {
                    throw CLIError.badInput(
                        "\(path): the vocabulary has no <|im_start|> and <|im_end|> (not a ChatML model)")
                }
                var text = ""
                if let system { text += "<|im_start|>system\n\(system)<|im_end|>\n" }
                text += "<|im_start|>user\n\(prompt)<|im_end|>\n<|im_start|>assistant\n"
                var tokens = tokenizer.encode(text, parseSpecial: true)
                if tokenizer.addBOS, let bos = tokenizer.bos { tokens.insert(bos, at: 0) }
                let stops = Set([end] + (tokenizer.eos.map { [$0] } ?? []))
                let answer = try model.generateGreedy(
                    prompt: tokens, maxNewTokens: maxTokens, stopTokens: stops, threads: threads ?? defaultJobs())
                print(try tokenizer.decode(answer.filter { !stops.contains($0) }))
            }
        }
    }

    /// `kvlab model add MODEL.gguf --name NAME`: register a model for model-level sweeps.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register a GGUF model in the database for model-level sweeps (spec key model: NAME).",
            discussion: """
                Checks that the file is a complete Llama-family model with a supported tokenizer, and stores its \
                SHA-256 (the model's identity in every config), NAME, its absolute path and its shape. The file \
                is not copied: it must be readable, unchanged, at that path on every machine that runs the \
                sweep (kvlab checks the hash when it opens it). Adding the same file under the same name again \
                updates the path (a moved file); a name holding another file, or a file already registered \
                under another name, is exit 2.
                Example: kvlab model add .models/SmolLM2-135M-Instruct.Q4_1.gguf --name smollm2
                """)

        @Argument(
            help: ArgumentHelp("A Llama-family .gguf model file.", valueName: "model"),
            completion: .file(extensions: ["gguf"]))
        var path: String

        @Option(help: "The model's name in specs and claims.")
        var name: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let url = URL(fileURLWithPath: path).standardizedFileURL
                let (file, _, model) = try LoadedModel.open(url.path)
                let dims = model.dimensions
                let record = ModelRecord(
                    sha256: try FileDigest.sha256(path: url.path), name: name, path: url.path,
                    architecture: file.string("general.architecture") ?? "llama", layers: dims.layers,
                    kvHeads: dims.kvHeads, queryHeads: dims.heads, headDim: dims.headDim, vocab: dims.vocab,
                    sizeBytes: file.fileSize)
                let store = try database.open(.readWrite)
                let new = try store.write { db in
                    try Store.registerModel(
                        record,
                        provenanceID: try Store.recordProvenance(
                            Provenance.current(kvlabVersion: VersionInfo.kvlab, command: commandLine()), in: db),
                        in: db)
                }
                print(
                    "\(new ? "registered" : "updated") model '\(name)' (\(record.sha256)): \(dims.layers) layers, "
                        + "\(dims.kvHeads) KV heads, head dim \(dims.headDim), at \(url.path)")
            }
        }
    }

    /// `kvlab model list`: the registered models.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the models registered in the database.",
            discussion: "Example: kvlab model list --format json")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                try database.printListing(
                    """
                    SELECT name, sha256, layers, kv_heads, query_heads, head_dim, vocab, path,
                        datetime(created_at, 'unixepoch') AS created
                    FROM models ORDER BY name
                    """, format: format)
            }
        }
    }
}

/// The command line as typed (`kvlab …`), for provenance rows.
func commandLine() -> String {
    (["kvlab"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
}
