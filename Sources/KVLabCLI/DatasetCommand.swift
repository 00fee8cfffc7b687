import ArgumentParser
import ExperimentStore
import Foundation

/// `kvlab dataset import|list|show|export|rm`: captured KV caches stored in the database.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Import, list, show, export or remove datasets (captured KV caches: K, V and Q per layer and head).",
        discussion: """
            A dataset lives in the database (float32 tensors with a SHA-256 each; `kvlab verify` re-hashes them), \
            identified by a content hash over its tensors and its shape, not its name. Files: safetensors with \
            tensors layers.{l}.k and layers.{l}.v [kv_heads, T, d] and layers.{l}.q [query_heads, T, d] (F32, F16 \
            or BF16) and metadata format = kvlab-caches/1, coordinate_order = rotate-half|interleaved, optional \
            model, token_ids, text, model_sha256; or a directory of layers.{l}.{k,v,q}.npy files with a \
            metadata.json holding the same keys. See README "Datasets".
            Example: kvlab dataset import caches.safetensors --name smollm2
            """,
        subcommands: [Import.self, List.self, Show.self, Export.self, Remove.self]
    )

    /// `kvlab dataset import PATH --name NAME`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Store a dataset from a .safetensors file or a directory of .npy files (one transaction).",
            discussion: """
                Every tensor is checked (names, shapes, head counts, every layer present, finite values) and \
                converted to float32; K and Q in interleaved order are reordered to rotate-half. A bad file is \
                exit 2 and changes nothing. Importing the same content again under its name fills side metadata \
                it lacks (a differing value is an error); a name used by other content, or content stored under \
                another name, is refused.
                Example: kvlab dataset import caches.safetensors --name smollm2
                """)

        @Argument(
            help: ArgumentHelp(
                "A .safetensors file, or a directory of .npy files with metadata.json.", valueName: "path"),
            completion: .file(extensions: ["safetensors"]))
        var path: String

        @Option(help: ArgumentHelp("The dataset's name (letters, digits, . _ - + : /).", valueName: "name"))
        var name: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                try Store.validateDatasetName(name)
                // The file is read and checked in full before the database is opened: bad input changes nothing.
                let file = try DatasetFile.read(path: path)
                // A writing open updates the file's header even when nothing is stored: find refusals (and an
                // import with nothing to store) on a read-only open first, so they leave every byte as it was.
                if try Self.plannedImport(file, name: name, database: database) == .unchanged {
                    print("dataset '\(name)' already holds this content (\(file.content.contentHash)); nothing changed")
                    return
                }
                let store = try database.open(.readWrite)
                let (record, outcome) = try store.importDataset(
                    file, name: name,
                    provenance: Provenance.current(kvlabVersion: VersionInfo.kvlab, command: "kvlab dataset import"))
                try store.checkpoint()
                switch outcome {
                case .created:
                    let converted =
                        file.sourceCoordinateOrder == "interleaved"
                        ? "; K and Q converted from interleaved to rotate-half" : ""
                    print(
                        "imported dataset '\(record.name)': \(Self.summary(record.manifest))\(converted)\n"
                            + "content hash \(record.contentHash)")
                case .filled(let keys):
                    print(
                        "dataset '\(record.name)' already holds this content (\(record.contentHash)); filled "
                            + keys.joined(separator: ", "))
                case .unchanged:
                    print(
                        "dataset '\(record.name)' already holds this content (\(record.contentHash)); nothing changed")
                }
            }
        }

        /// What the import would do, from a read-only open of an existing, current database (nil when there
        /// is no database yet, the file is empty, or it needs the migrations of a writing open).
        static func plannedImport(_ file: DatasetFile, name: String, database: DatabaseOptions) throws
            -> DatasetImportOutcome?
        {
            guard FileManager.default.fileExists(atPath: database.path) else { return nil }
            let store: Store
            do {
                store = try Store(path: database.path, mode: .readOnly)
            } catch .outdatedSchema, .missingDatabase {
                // Older (needs migrating) or an empty file (replaced by a new database): only a writing open can.
                return nil
            }
            defer { try? store.close() }
            return try store.plannedImport(file, name: name)
        }

        /// `2 layers, 2 KV heads, 4 query heads (G = 2), d = 8, T = 16; 96 tensors, 49152 bytes`.
        static func summary(_ m: DatasetManifest) -> String {
            let tensors = m.layers * (2 * m.kvHeads + m.queryHeads)
            return "\(m.layers) layers, \(m.kvHeads) KV heads, \(m.queryHeads) query heads (G = \(m.groupSize)), "
                + "d = \(m.headDim), T = \(m.tokens); \(tensors) tensors, \(tensors * m.tensorBytes) bytes"
        }
    }

    /// `kvlab dataset list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the stored datasets.",
            discussion: "Example: kvlab dataset list --format json")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                try database.printListing(
                    """
                    SELECT name, content_hash, layers, kv_heads, query_heads, group_size, head_dim, tokens, model,
                        datetime(created_at, 'unixepoch') AS created
                    FROM datasets ORDER BY name
                    """, format: format)
            }
        }
    }

    /// `kvlab dataset show NAME`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a dataset's manifest and side metadata (and its tensors).",
            discussion: "Example: kvlab dataset show smollm2 --tensors")

        @Argument(
            help: ArgumentHelp("The dataset's name (or content hash).", valueName: "name"),
            completion: Completions.datasets)
        var name: String

        @Flag(help: "Also list every tensor: kind, layer, head, rows, cols, sha256.")
        var tensors = false

        @Option(help: "Output format: table or json.")
        var format: CodebookFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readOnly)
                let (record, list) = try store.read { db in
                    let record = try Store.dataset(name, in: db)
                    return (record, try Store.datasetTensorList(contentHash: record.contentHash, in: db))
                }
                print(Self.render(record, tensorCount: list.count, tensors: tensors ? list : nil, format: format))
            }
        }

        /// `field<TAB>value` lines, or a JSON object.
        static func render(
            _ record: DatasetRecord, tensorCount: Int,
            tensors: [(key: DatasetTensorKey, rows: Int, cols: Int, sha256: String)]?, format: CodebookFormat
        ) -> String {
            let m = record.manifest
            let meta = record.metadata
            let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: record.createdAt))
            var fields: [(String, JSONValue)] = [
                ("name", .string(record.name)), ("content_hash", .string(record.contentHash)),
                ("layers", .int(m.layers)), ("kv_heads", .int(m.kvHeads)), ("query_heads", .int(m.queryHeads)),
                ("group_size", .int(m.groupSize)), ("head_dim", .int(m.headDim)), ("tokens", .int(m.tokens)),
                ("coordinate_order", .string(record.coordinateOrder)),
                ("model", meta.model.map { .string($0) } ?? .null),
                ("model_sha256", meta.modelSHA256.map { .string($0) } ?? .null),
            ]
            switch format {
            case .json:
                fields += [
                    ("token_ids", meta.tokenIDs.map { .array($0.map { .int(Int($0)) }) } ?? .null),
                    ("token_ids_sha256", meta.tokenIDsSHA256.map { .string($0) } ?? .null),
                    ("text", meta.text.map { .string($0) } ?? .null),
                    ("tensor_count", .int(tensorCount)), ("bytes", .int(tensorCount * m.tensorBytes)),
                    ("created", .string(created)),
                ]
                if let tensors {
                    fields.append(
                        (
                            "tensors",
                            .array(
                                tensors.map { t in
                                    .object([
                                        ("kind", .string(t.key.kind.rawValue)), ("layer", .int(t.key.layer)),
                                        ("head", .int(t.key.head)), ("rows", .int(t.rows)), ("cols", .int(t.cols)),
                                        ("sha256", .string(t.sha256)),
                                    ])
                                })
                        ))
                }
                return JSONValue.object(fields).rendered(pretty: true)
            case .table:
                var lines = fields.map { "\($0.0)\t\(Self.cell($0.1))" }
                if let ids = meta.tokenIDs {
                    let head = ids.prefix(8).map(String.init).joined(separator: ", ")
                    lines.append("token_ids\t\(ids.count) ids: [\(head)\(ids.count > 8 ? ", …" : "")]")
                } else {
                    lines.append("token_ids\t")
                }
                lines.append("token_ids_sha256\t\(meta.tokenIDsSHA256 ?? "")")
                if let text = meta.text {
                    let scalars = Array(text.unicodeScalars)
                    let cut = String(String.UnicodeScalarView(scalars.prefix(80)))
                    let shown = JSONValue.string(cut).rendered()
                    lines.append("text\t\(shown)\(scalars.count > 80 ? "… (\(scalars.count) characters)" : "")")
                } else {
                    lines.append("text\t")
                }
                lines += ["tensors\t\(tensorCount)", "bytes\t\(tensorCount * m.tensorBytes)", "created\t\(created)"]
                if let tensors {
                    lines.append("")
                    lines.append(
                        TableOutput.render(
                            columns: ["kind", "layer", "head", "rows", "cols", "sha256"],
                            rows: tensors.map {
                                [
                                    .text($0.key.kind.rawValue), .integer(Int64($0.key.layer)),
                                    .integer(Int64($0.key.head)), .integer(Int64($0.rows)), .integer(Int64($0.cols)),
                                    .text($0.sha256),
                                ]
                            }, format: .table))
                }
                return lines.joined(separator: "\n")
            }
        }

        /// A table cell: strings raw, NULL empty, numbers as JSON.
        private static func cell(_ value: JSONValue) -> String {
            switch value {
            case .null: return ""
            case .string(let s): return s
            default: return value.rendered()
            }
        }
    }

    /// `kvlab dataset export NAME --out F.safetensors`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a dataset as a safetensors file (F32, rotate-half, every side-metadata key).",
            discussion: """
                The file is the import format: importing it again gives the same content hash. --out never \
                overwrites the database being read, and another SQLite file only with --force.
                Example: kvlab dataset export smollm2 --out copy.safetensors
                """)

        @Argument(
            help: ArgumentHelp("The dataset's name (or content hash).", valueName: "name"),
            completion: Completions.datasets)
        var name: String

        @Option(help: ArgumentHelp("The safetensors file to write.", valueName: "file"), completion: .file())
        var out: String

        @Flag(help: "Replace an existing SQLite file (never the database being read).")
        var force = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readOnly)
                let bytes = try store.exportDataset(name)
                try OutputFile(path: out, input: database.path, force: force).write(bytes: bytes)
                Console.note("wrote dataset '\(name)' to \(out) (\(bytes.count) bytes)")
            }
        }
    }

    /// `kvlab dataset rm NAME`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a dataset and its tensors (refused while runs use it).",
            discussion: "Example: kvlab dataset rm smollm2")

        @Argument(
            help: ArgumentHelp("The dataset's name (or content hash).", valueName: "name"),
            completion: Completions.datasets)
        var name: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readWrite)
                let record = try store.write { db in try Store.removeDataset(name, in: db) }
                print("removed dataset '\(record.name)' (\(record.contentHash))")
            }
        }
    }
}

extension DatasetError: KVLabReportable {
    var exitStatus: ExitStatus { isBadInput ? .badInput : .failure }
    var message: String { description }
}
