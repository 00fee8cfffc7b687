import ArgumentParser
import ExperimentStore
import Foundation
import Models

/// `kvlab model`: real language models (GGUF files).
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect real language models (Llama-family GGUF files).",
        subcommands: [Info.self]
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
                """)

        @Argument(help: ArgumentHelp("A .gguf model file.", valueName: "model"))
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
}
