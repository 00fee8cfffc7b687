import ArgumentParser
import ExperimentStore
import Foundation
import Models
import Sweeps

/// `kvlab text`: token sequences for model-level runs.
struct TextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Store token sequences (texts tokenized by a registered model) for model-level runs.",
        discussion: "Example: kvlab text add data/lighthouses.txt --name lighthouses --model smollm2",
        subcommands: [Add.self, List.self]
    )

    /// `kvlab text add FILE --name NAME --model M`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Tokenize a text with a registered model's tokenizer and store the ids (spec key text: NAME).",
            discussion: """
                The ids (at most --max-tokens, the first ones) are stored in the database under NAME with the \
                model's SHA-256 and the text they decode to; their SHA-256 (as little-endian uint32) is the \
                text's identity in every config, the same hash a dataset keeps of the ids its model read, so a \
                captured dataset's name serves as a text too. --tokens-file stores ids as given instead. A name \
                holding other ids (or a dataset's name), or ids already stored under another name, is exit 2.
                Example: kvlab text add data/lighthouses.txt --name lighthouses --model smollm2
                """)

        @Argument(
            help: ArgumentHelp("A UTF-8 text file (or, with --tokens-file, omit it).", valueName: "file"),
            completion: .file())
        var file: String?

        @Option(
            name: .customLong("tokens-file"),
            help: ArgumentHelp(
                "Token ids instead of a text: a JSON array or whitespace-separated integers.", valueName: "file"),
            completion: .file())
        var tokensFile: String?

        @Option(help: "The text's name in specs.")
        var name: String

        @Option(help: "The registered model whose tokenizer reads the text (kvlab model list).")
        var model: String

        @Option(name: .customLong("max-tokens"), help: "Keep at most this many tokens (the first ones).")
        var maxTokens: Int = 512

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                try ModelInput.check(text: file, tokensFile: tokensFile, maxTokens: maxTokens)
                let store = try database.openExisting(.readWrite)
                let registered = try store.read { db in
                    (try Store.model(named: model, in: db), try Store.models(in: db).map(\.name))
                }
                guard let record = registered.0 else {
                    throw ModelStoreError.unknown(kind: "model", name: model, known: registered.1)
                }
                let loaded = try RegisteredModel.open(record)
                let (tokens, decoded) = try ModelInput.tokens(
                    text: file, tokensFile: tokensFile, maxTokens: maxTokens, tokenizer: loaded.tokenizer)
                guard tokens.count >= 2 else {
                    throw CLIError.badInput("the input has \(tokens.count) token(s); at least 2 are needed")
                }
                let text = TextRecord(
                    name: name, tokenIDs: tokens.map { UInt32($0) }, modelSHA256: record.sha256, text: decoded)
                let new = try store.write { db in
                    try Store.addText(
                        text,
                        provenanceID: try Store.recordProvenance(
                            Provenance.current(kvlabVersion: VersionInfo.kvlab, command: commandLine()), in: db),
                        in: db)
                }
                print("\(new ? "stored" : "already stored:") text '\(name)' (\(text.sha256)): \(tokens.count) tokens")
            }
        }
    }

    /// `kvlab text list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the stored texts (datasets with token ids serve as texts too).",
            discussion: "Example: kvlab text list")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                try database.printListing(
                    """
                    SELECT t.name, 'text' AS kind, t.sha256, t.tokens, m.name AS model
                    FROM texts AS t LEFT JOIN models AS m ON m.sha256 = t.model_sha256
                    UNION ALL
                    SELECT d.name, 'dataset', d.token_ids_sha256, d.tokens, d.model
                    FROM datasets AS d WHERE d.token_ids_sha256 IS NOT NULL
                    ORDER BY 1
                    """, format: format)
            }
        }
    }
}

extension ModelStoreError: KVLabReportable {
    var exitStatus: ExitStatus { isBadInput ? .badInput : .failure }
    var message: String { description }
}

extension RegisteredModelError: KVLabReportable {
    var exitStatus: ExitStatus {
        if case .changed = self { return .badInput }
        return .failure
    }
    var message: String { description }
}
