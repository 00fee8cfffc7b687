import Foundation
import GRDB
import Quantization

/// A model registered for model-level runs (`kvlab model add`): the GGUF file's SHA-256 is its identity,
/// the path says where every process that runs a sweep reads it (the hash is checked on open).
public struct ModelRecord: Sendable, Hashable {
    /// SHA-256 of the GGUF file (lowercase hex).
    public var sha256: String
    /// What specs, claims and commands call it.
    public var name: String
    /// Where the file is read.
    public var path: String
    /// The GGUF's `general.architecture` (e.g. llama).
    public var architecture: String
    /// Transformer layers.
    public var layers: Int
    /// KV heads per layer.
    public var kvHeads: Int
    /// Query heads per layer.
    public var queryHeads: Int
    /// Head dimension d.
    public var headDim: Int
    /// Vocabulary size.
    public var vocab: Int
    /// The file's size in bytes.
    public var sizeBytes: Int
    /// When it was registered (Unix epoch seconds).
    public var createdAt: Double

    /// Creates a record.
    public init(
        sha256: String, name: String, path: String, architecture: String, layers: Int, kvHeads: Int, queryHeads: Int,
        headDim: Int, vocab: Int, sizeBytes: Int, createdAt: Double = 0
    ) {
        self.sha256 = sha256
        self.name = name
        self.path = path
        self.architecture = architecture
        self.layers = layers
        self.kvHeads = kvHeads
        self.queryHeads = queryHeads
        self.headDim = headDim
        self.vocab = vocab
        self.sizeBytes = sizeBytes
        self.createdAt = createdAt
    }

    static let columns =
        "sha256, name, path, architecture, layers, kv_heads, query_heads, head_dim, vocab, size_bytes, created_at"

    init(row: Row) throws {
        self.init(
            sha256: try row.decode(String.self, atIndex: 0), name: try row.decode(String.self, atIndex: 1),
            path: try row.decode(String.self, atIndex: 2), architecture: try row.decode(String.self, atIndex: 3),
            layers: try row.decode(Int.self, atIndex: 4), kvHeads: try row.decode(Int.self, atIndex: 5),
            queryHeads: try row.decode(Int.self, atIndex: 6), headDim: try row.decode(Int.self, atIndex: 7),
            vocab: try row.decode(Int.self, atIndex: 8), sizeBytes: try row.decode(Int.self, atIndex: 9),
            createdAt: try row.decode(Double.self, atIndex: 10))
    }
}

/// A token sequence stored for model-level runs (`kvlab text add`): its identity is the SHA-256 of the ids
/// as little-endian uint32, the same hash a dataset keeps of the ids its model read.
public struct TextRecord: Sendable, Hashable {
    /// SHA-256 of the token ids.
    public var sha256: String
    /// What specs call it.
    public var name: String
    /// The token ids.
    public var tokenIDs: [UInt32]
    /// The model whose tokenizer made them, when known.
    public var modelSHA256: String?
    /// The text, when known.
    public var text: String?
    /// When it was stored (Unix epoch seconds).
    public var createdAt: Double

    /// Creates a record; the hash is computed from the ids.
    public init(
        name: String, tokenIDs: [UInt32], modelSHA256: String? = nil, text: String? = nil, createdAt: Double = 0
    ) {
        self.sha256 = DatasetMetadata.sha256(tokenIDs: tokenIDs)
        self.name = name
        self.tokenIDs = tokenIDs
        self.modelSHA256 = modelSHA256
        self.text = text
        self.createdAt = createdAt
    }

    /// The ids as stored: little-endian uint32.
    var blob: [UInt8] { DatasetMetadata.littleEndianBytes(tokenIDs: tokenIDs) }

    static func ids(fromBlob bytes: [UInt8]) -> [UInt32] {
        stride(from: 0, to: bytes.count - bytes.count % 4, by: 4).map { i in
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
    }
}

/// A token sequence a model-level spec can name: a stored text or a dataset's token ids.
public struct TextEntry: Sendable, Hashable {
    /// The name (of the text or the dataset).
    public var name: String
    /// SHA-256 of the token ids.
    public var sha256: String
    /// The number of tokens.
    public var tokens: Int
}

/// What is wrong with a model or text registration or lookup.
public enum ModelStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name is taken by another model or text (or a dataset, for a text).
    case nameTaken(kind: String, name: String, existing: String)
    /// The content is already registered under another name.
    case contentStored(kind: String, name: String, existingName: String)
    /// No model or text has that name.
    case unknown(kind: String, name: String, known: [String])
    /// A name that cannot be used.
    case invalidName(name: String, reason: String)
    /// A text without tokens, or a token id list that is not valid.
    case invalidText(String)
    /// Two databases hold different content under one name (merge, --datasets-from).
    case mergeConflict(String)

    /// The user-facing message.
    public var description: String {
        switch self {
        case .nameTaken(let kind, let name, let existing):
            return "the name '\(name)' is already used by \(existing); choose another --name for this \(kind)"
        case .contentStored(let kind, let name, let existingName):
            return "this \(kind) is already stored as '\(existingName)'; not storing it again as '\(name)' "
                + "(one name per \(kind)): use '\(existingName)'"
        case .unknown(let kind, let name, let known):
            let list = known.isEmpty ? "none is stored" : "known: " + known.joined(separator: ", ")
            let hint =
                kind == "model" ? "kvlab model add PATH --name NAME" : "kvlab text add FILE --name NAME --model M"
            return "no \(kind) named '\(name)' in the database (\(list)); add it with `\(hint)`"
        case .invalidName(let name, let reason): return "invalid name '\(name)': \(reason)"
        case .invalidText(let reason): return "invalid text: \(reason)"
        case .mergeConflict(let message): return message
        }
    }

    /// Whether the error is bad input (exit 2) rather than a failure (exit 3).
    public var isBadInput: Bool {
        if case .mergeConflict = self { return false }
        return true
    }
}

extension Store {
    // MARK: - Models

    /// Registers a model, or updates the path of one registered under the same name and hash (a moved file).
    ///
    /// - Returns: whether a new model was registered (false: the path was updated or already equal).
    /// - Throws: ``ModelStoreError/nameTaken(kind:name:existing:)`` when the name holds another hash,
    ///   ``ModelStoreError/contentStored(kind:name:existingName:)`` when the hash has another name.
    @discardableResult
    public static func registerModel(_ model: ModelRecord, provenanceID: Int64? = nil, in db: Database) throws -> Bool {
        try validateDatasetNameAsModel(model.name)
        if let byName = try Store.model(named: model.name, in: db) {
            guard byName.sha256 == model.sha256 else {
                throw ModelStoreError.nameTaken(kind: "model", name: model.name, existing: "model \(byName.sha256)")
            }
            try db.execute(sql: "UPDATE models SET path = ? WHERE sha256 = ?", arguments: [model.path, model.sha256])
            return false
        }
        if let byHash = try Store.model(sha256: model.sha256, in: db) {
            throw ModelStoreError.contentStored(kind: "model", name: model.name, existingName: byHash.name)
        }
        try db.execute(
            sql: """
                INSERT INTO models (sha256, name, path, architecture, layers, kv_heads, query_heads, head_dim, vocab,
                    size_bytes, provenance_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                model.sha256, model.name, model.path, model.architecture, model.layers, model.kvHeads,
                model.queryHeads, model.headDim, model.vocab, model.sizeBytes, provenanceID,
                model.createdAt > 0 ? model.createdAt : Store.now(),
            ])
        return true
    }

    private static func validateDatasetNameAsModel(_ name: String) throws {
        do {
            try validateDatasetName(name)
        } catch .invalidName(let name, let reason) {
            throw ModelStoreError.invalidName(name: name, reason: reason)
        } catch {
            throw error
        }
    }

    /// Every registered model, by name.
    public static func models(in db: Database) throws -> [ModelRecord] {
        try Row.fetchAll(db, sql: "SELECT \(ModelRecord.columns) FROM models ORDER BY name").map {
            try ModelRecord(row: $0)
        }
    }

    /// The model with this name.
    public static func model(named name: String, in db: Database) throws -> ModelRecord? {
        try Row.fetchOne(db, sql: "SELECT \(ModelRecord.columns) FROM models WHERE name = ?", arguments: [name])
            .map { try ModelRecord(row: $0) }
    }

    /// The model with this SHA-256.
    public static func model(sha256: String, in db: Database) throws -> ModelRecord? {
        try Row.fetchOne(db, sql: "SELECT \(ModelRecord.columns) FROM models WHERE sha256 = ?", arguments: [sha256])
            .map { try ModelRecord(row: $0) }
    }

    // MARK: - Texts

    /// Stores a token sequence under a name.
    ///
    /// - Returns: whether it was new (false: the same name and ids were already stored).
    /// - Throws: ``ModelStoreError`` for a taken name (by a text or a dataset), ids stored under another
    ///   name, or an empty sequence.
    @discardableResult
    public static func addText(_ text: TextRecord, provenanceID: Int64? = nil, in db: Database) throws -> Bool {
        try validateDatasetNameAsModel(text.name)
        guard !text.tokenIDs.isEmpty else { throw ModelStoreError.invalidText("it has no tokens") }
        if let byName = try Store.storedText(named: text.name, in: db) {
            guard byName.sha256 == text.sha256 else {
                throw ModelStoreError.nameTaken(kind: "text", name: text.name, existing: "text \(byName.sha256)")
            }
            return false
        }
        if try Store.dataset(named: text.name, in: db) != nil {
            throw ModelStoreError.nameTaken(kind: "text", name: text.name, existing: "a dataset")
        }
        if let byHash = try String.fetchOne(
            db, sql: "SELECT name FROM texts WHERE sha256 = ?", arguments: [text.sha256])
        {
            throw ModelStoreError.contentStored(kind: "text", name: text.name, existingName: byHash)
        }
        try db.execute(
            sql: """
                INSERT INTO texts (sha256, name, tokens, token_ids, model_sha256, text, provenance_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                text.sha256, text.name, text.tokenIDs.count, Data(text.blob), text.modelSHA256, text.text, provenanceID,
                text.createdAt > 0 ? text.createdAt : Store.now(),
            ])
        return true
    }

    /// Every stored text, by name.
    public static func storedTexts(in db: Database) throws -> [TextRecord] {
        try Row.fetchAll(db, sql: "SELECT \(textColumns) FROM texts ORDER BY name").map { try textRecord($0) }
    }

    /// The stored text with this name.
    public static func storedText(named name: String, in db: Database) throws -> TextRecord? {
        try Row.fetchOne(db, sql: "SELECT \(textColumns) FROM texts WHERE name = ?", arguments: [name])
            .map { try textRecord($0) }
    }

    private static let textColumns = "name, token_ids, model_sha256, text, created_at, sha256"

    private static func textRecord(_ row: Row) throws -> TextRecord {
        let record = TextRecord(
            name: try row.decode(String.self, atIndex: 0),
            tokenIDs: TextRecord.ids(fromBlob: [UInt8](try row.decode(Data.self, atIndex: 1))),
            modelSHA256: try row.decode(String?.self, atIndex: 2), text: try row.decode(String?.self, atIndex: 3),
            createdAt: try row.decode(Double.self, atIndex: 4))
        let stored: String = try row.decode(String.self, atIndex: 5)
        guard stored == record.sha256 else {
            throw StoreError.inconsistent(
                "text '\(record.name)': its token ids do not match their recorded SHA-256; run kvlab verify")
        }
        return record
    }

    /// Every token sequence a spec may name as `text`: the stored texts, then the datasets that keep token
    /// ids (a stored text's name wins).
    public static func textEntries(in db: Database) throws -> [TextEntry] {
        var entries = try Row.fetchAll(db, sql: "SELECT name, sha256, tokens FROM texts ORDER BY name").map {
            TextEntry(name: $0[0], sha256: $0[1], tokens: $0[2])
        }
        let taken = Set(entries.map(\.name))
        entries += try Row.fetchAll(
            db,
            sql: "SELECT name, token_ids_sha256, tokens FROM datasets WHERE token_ids_sha256 IS NOT NULL ORDER BY name"
        ).map { TextEntry(name: $0[0], sha256: $0[1], tokens: $0[2]) }.filter { !taken.contains($0.name) }
        return entries
    }

    /// The token ids with this SHA-256: a stored text's, or a dataset's.
    ///
    /// - Throws: ``StoreError/inconsistent(_:)`` when a stored text's ids no longer hash to it (damaged).
    public static func tokenIDs(sha256: String, in db: Database) throws -> [UInt32]? {
        if let blob = try Data.fetchOne(db, sql: "SELECT token_ids FROM texts WHERE sha256 = ?", arguments: [sha256]) {
            let ids = TextRecord.ids(fromBlob: [UInt8](blob))
            guard DatasetMetadata.sha256(tokenIDs: ids) == sha256 else {
                throw StoreError.inconsistent(
                    "the text with SHA-256 \(sha256): its token ids do not match that hash; run kvlab verify")
            }
            return ids
        }
        guard
            let json = try String.fetchOne(
                db, sql: "SELECT token_ids FROM datasets WHERE token_ids_sha256 = ? LIMIT 1", arguments: [sha256])
        else { return nil }
        guard let ids = parseTokenIDs(json), DatasetMetadata.sha256(tokenIDs: ids) == sha256 else { return nil }
        return ids
    }

    // MARK: - Copying between databases

    /// Copies models and texts of another database into this one (merge, `--datasets-from`): by hash, with
    /// the same one-name rules as registering; a name holding different content here is an error.
    ///
    /// - Parameters:
    ///   - input: an open store.
    ///   - models: the model hashes to copy (nil: all).
    ///   - texts: the text hashes to copy (nil: all).
    /// - Returns: how many models and texts were new here.
    /// - Throws: ``ModelStoreError/mergeConflict(_:)``, ``StoreError``.
    @discardableResult
    public func copyModelsAndTexts(from input: Store, models: Set<String>? = nil, texts: Set<String>? = nil) throws
        -> Int
    {
        let (inputModels, inputTexts) = try input.read { db in
            (
                try Store.models(in: db).filter { models?.contains($0.sha256) ?? true },
                try Store.storedTexts(in: db).filter { texts?.contains($0.sha256) ?? true }
            )
        }
        guard !inputModels.isEmpty || !inputTexts.isEmpty else { return 0 }
        return try write { db in
            var added = 0
            for model in inputModels {
                if let here = try Store.model(sha256: model.sha256, in: db) {
                    guard here.name == model.name else {
                        throw ModelStoreError.mergeConflict(
                            "model \(model.sha256) is named '\(here.name)' in \(path) but '\(model.name)' in "
                                + "\(input.path); a model has one name")
                    }
                    continue
                }
                do {
                    if try Store.registerModel(model, in: db) { added += 1 }
                } catch let error as ModelStoreError {
                    throw ModelStoreError.mergeConflict("\(input.path): \(error)")
                }
            }
            for text in inputTexts {
                do {
                    if try Store.addText(text, in: db) { added += 1 }
                } catch let error as ModelStoreError {
                    throw ModelStoreError.mergeConflict("\(input.path): \(error)")
                }
            }
            return added
        }
    }
}

extension Store {
    /// Copies from another database everything the given configs read: their datasets, models and texts
    /// (a text that is a dataset's token ids brings its dataset). What `kvlab run --datasets-from` gives a
    /// shard database.
    ///
    /// - Returns: how many datasets, models and texts were new here.
    /// - Throws: as ``copyDatasets(from:only:)`` and ``copyModelsAndTexts(from:models:texts:)``.
    @discardableResult
    public func copyInputs(from input: Store, for configs: [TrialConfig]) throws -> Int {
        let models = Set(configs.compactMap(\.model))
        let texts = Set(configs.compactMap(\.text))
        var datasets = Set(configs.compactMap(\.source))
        if !texts.isEmpty {
            let (stored, records) = try input.read { db in
                (Set(try String.fetchAll(db, sql: "SELECT sha256 FROM texts")), try Store.datasets(in: db))
            }
            for record in records {
                if let ids = record.metadata.tokenIDsSHA256, texts.contains(ids), !stored.contains(ids) {
                    datasets.insert(record.contentHash)
                }
            }
        }
        var copied = datasets.isEmpty ? 0 : try copyDatasets(from: input, only: datasets)
        if !models.isEmpty || !texts.isEmpty {
            copied += try copyModelsAndTexts(from: input, models: models, texts: texts)
        }
        return copied
    }
}
