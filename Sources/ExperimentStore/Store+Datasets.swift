import Crypto
import Foundation
import GRDB
import Quantization

/// Datasets (captured KV caches) in the store: import, list, read one tensor, export, remove
/// (docs/SCHEMA.md "Datasets").
extension Store {
    /// The longest dataset name accepted.
    public static let maxDatasetNameLength = 128

    /// Checks a dataset name: 1…128 characters from letters, digits and `. _ - + : /`, starting with a letter
    /// or digit, and not 64 hex digits (which would read as a content hash).
    ///
    /// - Throws: ``DatasetError/invalidName(name:reason:)``.
    public static func validateDatasetName(_ name: String) throws(DatasetError) {
        guard !name.isEmpty else { throw .invalidName(name: name, reason: "it is empty") }
        guard name.count <= maxDatasetNameLength else {
            throw .invalidName(name: name, reason: "it is longer than \(maxDatasetNameLength) characters")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+:/")
        guard name.allSatisfy({ allowed.contains($0) }), let first = name.first, first.isLetter || first.isNumber else {
            throw .invalidName(
                name: name, reason: "use letters, digits and . _ - + : / only, starting with a letter or digit")
        }
        if isContentHash(name) {
            throw .invalidName(name: name, reason: "64 hex digits read as a content hash; choose a name")
        }
    }

    /// Whether a string has the form of a content hash (64 lowercase hex digits).
    static func isContentHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    // MARK: - Import

    /// Stores a dataset read from a file, in one transaction.
    ///
    /// - The name must be free or already hold this very content; a name used by other content is refused
    ///   (``DatasetError/nameTaken(name:existingHash:newHash:)``), and so is content already stored under
    ///   another name (``DatasetError/contentStored(name:existingName:contentHash:)``).
    /// - Importing the same content under its name again fills side metadata (model, model_sha256,
    ///   token_ids, text) the stored dataset lacks; a value that differs from the stored one is refused
    ///   (``DatasetError/metadataConflict(name:key:stored:new:)``).
    /// - On any error nothing is written.
    ///
    /// - Parameters:
    ///   - file: the checked content and metadata (``DatasetFile/read(path:)``).
    ///   - name: the dataset's name (``validateDatasetName(_:)``).
    ///   - provenance: recorded with a new dataset (not when nothing new is stored).
    /// - Returns: the stored record and what happened.
    /// - Throws: ``DatasetError`` or ``StoreError``.
    @discardableResult
    public func importDataset(_ file: DatasetFile, name: String, provenance: Provenance?) throws -> (
        record: DatasetRecord, outcome: DatasetImportOutcome
    ) {
        try Store.validateDatasetName(name)
        return try write { db in
            let outcome = try Store.storeDataset(
                file.content, metadata: file.metadata, name: name,
                provenance: provenance.map { DatasetProvenance.new($0) } ?? .existing(nil),
                createdAt: Store.now(), in: db)
            return (try Store.dataset(hash: file.content.contentHash, in: db)!, outcome)
        }
    }

    /// Where a stored dataset's provenance comes from.
    enum DatasetProvenance {
        /// Record this process.
        case new(Provenance)
        /// An existing row of this database.
        case existing(Int64?)
    }

    /// Stores content under a name, or fills the side metadata of the same content under the same name (see
    /// ``importDataset(_:name:provenance:)``), inside the caller's transaction.
    static func storeDataset(
        _ content: DatasetContent, metadata: DatasetMetadata, name: String, provenance: DatasetProvenance,
        createdAt: Double, in db: Database
    ) throws -> DatasetImportOutcome {
        if let stored = try existingDataset(content, name: name, in: db) {
            let filled = try fillDatasetMetadata(stored, with: metadata, in: db)
            return filled.isEmpty ? .unchanged : .filled(filled)
        }
        let provenanceID: Int64?
        switch provenance {
        case .new(let record): provenanceID = try recordProvenance(record, in: db)
        case .existing(let id): provenanceID = id
        }
        let m = content.manifest
        try db.execute(
            sql: """
                INSERT INTO datasets (content_hash, name, layers, kv_heads, query_heads, group_size, head_dim, tokens,
                    coordinate_order, model, model_sha256, token_ids, token_ids_sha256, text, provenance_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'rotate-half', ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                content.contentHash, name, m.layers, m.kvHeads, m.queryHeads, m.groupSize, m.headDim, m.tokens,
                metadata.model, metadata.modelSHA256, metadata.tokenIDsJSON, metadata.tokenIDsSHA256, metadata.text,
                provenanceID, createdAt,
            ])
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO dataset_tensors (content_hash, kind, layer, head, rows, cols, sha256, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for tensor in content.tensors {
            try insert.execute(arguments: [
                content.contentHash, tensor.key.kind.rawValue, tensor.key.layer, tensor.key.head, m.tokens, m.headDim,
                tensor.sha256, Data(tensor.data),
            ])
        }
        return .created
    }

    /// What importing a file would do, found in one read snapshot without writing (a read-only store
    /// can answer): the same checks and outcome as ``importDataset(_:name:provenance:)``.
    ///
    /// - Throws: the errors the import would throw.
    public func plannedImport(_ file: DatasetFile, name: String) throws -> DatasetImportOutcome {
        try Store.validateDatasetName(name)
        return try read { db in
            guard let stored = try Store.existingDataset(file.content, name: name, in: db) else { return .created }
            let changes = try Store.metadataChanges(stored, with: file.metadata)
            return changes.isEmpty ? .unchanged : .filled(changes.map(\.0).filter { $0 != "token_ids_sha256" })
        }
    }

    /// The stored dataset with this content and name, nil when neither is stored.
    ///
    /// - Throws: ``DatasetError/nameTaken(name:existingHash:newHash:)`` when the name holds other content,
    ///   ``DatasetError/contentStored(name:existingName:contentHash:)`` when the content has another name,
    ///   ``DatasetError/invalidName(name:reason:)`` when a stored text has the name.
    static func existingDataset(_ content: DatasetContent, name: String, in db: Database) throws -> DatasetRecord? {
        if try String.fetchOne(db, sql: "SELECT sha256 FROM texts WHERE name = ?", arguments: [name]) != nil {
            // A spec's `text: NAME` reads a stored text or a dataset's token ids: one name must mean one thing.
            throw DatasetError.invalidName(
                name: name, reason: "a stored text has this name (kvlab text list); choose another --name")
        }
        if let byName = try dataset(named: name, in: db), byName.contentHash != content.contentHash {
            throw DatasetError.nameTaken(name: name, existingHash: byName.contentHash, newHash: content.contentHash)
        }
        guard let stored = try dataset(hash: content.contentHash, in: db) else { return nil }
        guard stored.name == name else {
            throw DatasetError.contentStored(name: name, existingName: stored.name, contentHash: content.contentHash)
        }
        return stored
    }

    /// Fills the side metadata a stored dataset lacks; a value that differs from the stored one is an error.
    ///
    /// - Returns: the keys filled.
    static func fillDatasetMetadata(_ stored: DatasetRecord, with new: DatasetMetadata, in db: Database) throws
        -> [String]
    {
        let assignments = try metadataChanges(stored, with: new)
        guard !assignments.isEmpty else { return [] }
        // One statement: token_ids and token_ids_sha256 are set together (a CHECK ties them).
        try db.execute(
            sql:
                "UPDATE datasets SET \(assignments.map { "\($0.0) = ?" }.joined(separator: ", ")) WHERE content_hash = ?",
            arguments: StatementArguments(assignments.map(\.1) + [stored.contentHash.databaseValue]))
        return assignments.map(\.0).filter { $0 != "token_ids_sha256" }
    }

    /// The columns to fill (those the stored dataset lacks), with their values.
    ///
    /// - Throws: ``DatasetError/metadataConflict(name:key:stored:new:)`` when a value differs from the stored one.
    static func metadataChanges(_ stored: DatasetRecord, with new: DatasetMetadata) throws -> [(String, DatabaseValue)]
    {
        let old = stored.metadata
        func conflict(_ key: String, _ a: String, _ b: String) -> DatasetError {
            .metadataConflict(name: stored.name, key: key, stored: shown(a), new: shown(b))
        }
        var assignments: [(String, DatabaseValue)] = []
        if let model = new.model {
            if let was = old.model, was != model { throw conflict("model", was, model) }
            if old.model == nil { assignments.append(("model", model.databaseValue)) }
        }
        if let hash = new.modelSHA256 {
            if let was = old.modelSHA256, was != hash { throw conflict("model_sha256", was, hash) }
            if old.modelSHA256 == nil { assignments.append(("model_sha256", hash.databaseValue)) }
        }
        if let ids = new.tokenIDsJSON {
            if let was = old.tokenIDsJSON, was != ids { throw conflict("token_ids", was, ids) }
            if old.tokenIDs == nil {
                assignments.append(("token_ids", ids.databaseValue))
                assignments.append(("token_ids_sha256", new.tokenIDsSHA256.databaseValue))
            }
        }
        if let text = new.text {
            if let was = old.text, was != text { throw conflict("text", was, text) }
            if old.text == nil { assignments.append(("text", text.databaseValue)) }
        }
        return assignments
    }

    /// A value for a message: quoted, and cut to 60 characters with its length when longer.
    private static func shown(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > 60 else { return "'\(text)'" }
        return "'" + String(String.UnicodeScalarView(scalars[0..<57])) + "…' (\(scalars.count) characters)"
    }

    // MARK: - Lookup

    /// The columns of a dataset row read by ``datasetRecord(_:)``.
    private static let datasetColumns = """
        name, content_hash, layers, kv_heads, query_heads, head_dim, tokens, coordinate_order, model, model_sha256,
        token_ids, text, provenance_id, created_at
        """

    private static func datasetRecord(_ row: Row) -> DatasetRecord {
        let ids: String? = row["token_ids"]
        return DatasetRecord(
            name: row["name"], contentHash: row["content_hash"],
            manifest: DatasetManifest(
                layers: row["layers"], kvHeads: row["kv_heads"], queryHeads: row["query_heads"],
                headDim: row["head_dim"], tokens: row["tokens"]),
            coordinateOrder: row["coordinate_order"],
            metadata: DatasetMetadata(
                model: row["model"], modelSHA256: row["model_sha256"], tokenIDs: ids.flatMap(parseTokenIDs),
                text: row["text"]),
            provenanceID: row["provenance_id"], createdAt: row["created_at"])
    }

    /// Token ids stored as a JSON array (nil when the text is not one).
    static func parseTokenIDs(_ json: String) -> [UInt32]? {
        guard case .array(let elements)? = try? DatasetJSON.parse(Array(json.utf8)) else { return nil }
        var ids: [UInt32] = []
        for element in elements {
            guard let id = element.nonNegativeInteger, id <= UInt64(UInt32.max) else { return nil }
            ids.append(UInt32(id))
        }
        return ids
    }

    /// Every stored dataset, by name.
    public static func datasets(in db: Database) throws -> [DatasetRecord] {
        try Row.fetchAll(db, sql: "SELECT \(datasetColumns) FROM datasets ORDER BY name").map(datasetRecord)
    }

    /// The dataset with this name, if any.
    public static func dataset(named name: String, in db: Database) throws -> DatasetRecord? {
        try Row.fetchOne(db, sql: "SELECT \(datasetColumns) FROM datasets WHERE name = ?", arguments: [name])
            .map(datasetRecord)
    }

    /// The dataset with this content hash, if any.
    public static func dataset(hash: String, in db: Database) throws -> DatasetRecord? {
        try Row.fetchOne(db, sql: "SELECT \(datasetColumns) FROM datasets WHERE content_hash = ?", arguments: [hash])
            .map(datasetRecord)
    }

    /// The dataset with this name, or else with this content hash.
    ///
    /// - Throws: ``DatasetError/unknownDataset(name:)`` when there is none.
    public static func dataset(_ nameOrHash: String, in db: Database) throws -> DatasetRecord {
        if let record = try dataset(named: nameOrHash, in: db) { return record }
        if isContentHash(nameOrHash), let record = try dataset(hash: nameOrHash, in: db) { return record }
        throw DatasetError.unknownDataset(name: nameOrHash)
    }

    /// Per tensor of a dataset: its key, shape and recorded SHA-256 (no data read), in content-hash order.
    public static func datasetTensorList(contentHash: String, in db: Database) throws -> [(
        key: DatasetTensorKey, rows: Int, cols: Int, sha256: String
    )] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT kind, layer, head, rows, cols, sha256 FROM dataset_tensors WHERE content_hash = ?
                ORDER BY kind, layer, head
                """, arguments: [contentHash]
        ).compactMap { row in
            guard let kind = DatasetTensorKind(rawValue: row[0]) else { return nil }
            return (DatasetTensorKey(kind: kind, layer: row[1], head: row[2]), row[3], row[4], row[5])
        }
    }

    // MARK: - Reading tensors

    /// One tensor's values (T × d, row-major), read alone: the other tensors are not loaded. The blob is
    /// checked against its recorded size and SHA-256.
    ///
    /// - Throws: ``DatasetError/noTensor(name:kind:layer:head:)``, ``DatasetError/corrupt(_:)``.
    public static func datasetTensor(
        contentHash: String, kind: DatasetTensorKind, layer: Int, head: Int, in db: Database
    ) throws -> [Float] {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT rows, cols, sha256, data FROM dataset_tensors
                    WHERE content_hash = ? AND kind = ? AND layer = ? AND head = ?
                    """, arguments: [contentHash, kind.rawValue, layer, head])
        else {
            let name = try String.fetchOne(
                db, sql: "SELECT name FROM datasets WHERE content_hash = ?", arguments: [contentHash])
            guard let name else { throw DatasetError.unknownDataset(name: contentHash) }
            throw DatasetError.noTensor(name: name, kind: kind, layer: layer, head: head)
        }
        let rows: Int = row[0]
        let cols: Int = row[1]
        let recorded: String = row[2]
        let data: Data = row[3]
        let key = DatasetTensorKey(kind: kind, layer: layer, head: head)
        guard data.count == rows * cols * 4 else {
            throw DatasetError.corrupt(
                "tensor \(key) of \(contentHash): \(data.count) bytes for \(rows) × \(cols) floats")
        }
        let digest = Hex.encode(SHA256.hash(data: data))
        guard digest == recorded else {
            throw DatasetError.corrupt(
                "tensor \(key) of \(contentHash) hashes to \(digest), not its recorded \(recorded)")
        }
        return floats(data)
    }

    /// One tensor of a dataset (by name or content hash) as float32 values (see
    /// ``datasetTensor(contentHash:kind:layer:head:in:)``).
    public func datasetTensor(_ dataset: String, kind: DatasetTensorKind, layer: Int, head: Int) throws -> [Float] {
        try read { db in
            let record = try Store.dataset(dataset, in: db)
            return try Store.datasetTensor(
                contentHash: record.contentHash, kind: kind, layer: layer, head: head, in: db)
        }
    }

    /// One tensor of a dataset as a T × d matrix of doubles (the engine computes in Double).
    public func datasetMatrix(_ dataset: String, kind: DatasetTensorKind, layer: Int, head: Int) throws -> Matrix {
        try read { db in
            let record = try Store.dataset(dataset, in: db)
            let values = try Store.datasetTensor(
                contentHash: record.contentHash, kind: kind, layer: layer, head: head, in: db)
            return Matrix(
                rows: record.manifest.tokens, cols: record.manifest.headDim, storage: values.lazy.map { Double($0) })
        }
    }

    /// Float32 little-endian bytes as floats.
    static func floats(_ data: Data) -> [Float] {
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    buffer[i] = Float(
                        bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
                initialized = count
            }
        }
    }

    /// Every tensor of a dataset, each checked against its recorded size and SHA-256, and the content hash
    /// recomputed (for merging into another database).
    ///
    /// - Throws: ``DatasetError/corrupt(_:)`` when anything does not match.
    static func datasetContent(_ record: DatasetRecord, in db: Database) throws -> DatasetContent {
        let m = record.manifest
        var tensors: [DatasetTensor] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT kind, layer, head, rows, cols, sha256, data FROM dataset_tensors WHERE content_hash = ?
                ORDER BY kind, layer, head
                """, arguments: [record.contentHash])
        while let row = try rows.next() {
            guard let kind = DatasetTensorKind(rawValue: row[0]) else {
                throw DatasetError.corrupt("dataset '\(record.name)': a tensor of unknown kind")
            }
            let key = DatasetTensorKey(kind: kind, layer: row[1], head: row[2])
            let data: Data = row[6]
            let tensor = DatasetTensor(key: key, data: Array(data))
            let recorded: String = row[5]
            guard row[3] as Int == m.tokens, row[4] as Int == m.headDim, data.count == m.tensorBytes,
                tensor.sha256 == recorded
            else {
                throw DatasetError.corrupt(
                    "dataset '\(record.name)': tensor \(key) does not match its recorded shape or hash")
            }
            tensors.append(tensor)
        }
        guard tensors.map(\.key) == m.tensorKeys else {
            throw DatasetError.corrupt("dataset '\(record.name)': its tensors do not match its manifest")
        }
        let content = DatasetContent(manifest: m, tensors: tensors)
        guard content.contentHash == record.contentHash else {
            throw DatasetError.corrupt("dataset '\(record.name)': its content hashes to \(content.contentHash)")
        }
        return content
    }

    // MARK: - Export

    /// A dataset as a safetensors file of the import format (README "Datasets"): `layers.{l}.k|v|q` of shape
    /// [heads, T, d], F32, metadata `format`, `coordinate_order` = `rotate-half` and every side-metadata key
    /// the dataset has. Importing it again gives the same content hash. Every tensor is checked against its
    /// recorded hash while it is read.
    ///
    /// - Parameter dataset: a name or content hash.
    /// - Returns: the file's bytes.
    /// - Throws: ``DatasetError/unknownDataset(name:)``, ``DatasetError/corrupt(_:)``.
    public func exportDataset(_ dataset: String) throws -> [UInt8] {
        try read { db in
            let record = try Store.dataset(dataset, in: db)
            let m = record.manifest
            var tensors: [(name: String, shape: [Int], byteCount: Int)] = []
            var order: [DatasetTensorKind] = []
            for layer in 0..<m.layers {
                for kind in [DatasetTensorKind.k, .v, .q] {
                    let heads = kind == .q ? m.queryHeads : m.kvHeads
                    tensors.append(
                        ("layers.\(layer).\(kind.rawValue)", [heads, m.tokens, m.headDim], heads * m.tensorBytes))
                    order.append(kind)
                }
            }
            let metadata =
                [("format", DatasetFile.format), ("coordinate_order", "rotate-half")] + record.metadata.entries
            var bytes = DatasetSafetensors.header(metadata: metadata, tensors: tensors)
            bytes.reserveCapacity(bytes.count + tensors.reduce(0) { $0 + $1.byteCount })
            for (index, kind) in order.enumerated() {
                let layer = index / 3
                let heads = kind == .q ? m.queryHeads : m.kvHeads
                for head in 0..<heads {
                    guard
                        let row = try Row.fetchOne(
                            db,
                            sql: """
                                SELECT sha256, data FROM dataset_tensors
                                WHERE content_hash = ? AND kind = ? AND layer = ? AND head = ?
                                """, arguments: [record.contentHash, kind.rawValue, layer, head])
                    else {
                        throw DatasetError.corrupt(
                            "dataset '\(record.name)' lacks tensor \(DatasetTensorKey(kind: kind, layer: layer, head: head))"
                        )
                    }
                    let data: Data = row[1]
                    let digest = Hex.encode(SHA256.hash(data: data))
                    guard data.count == m.tensorBytes, digest == row[0] as String else {
                        throw DatasetError.corrupt(
                            "dataset '\(record.name)': tensor \(DatasetTensorKey(kind: kind, layer: layer, head: head)) "
                                + "does not match its recorded size or hash")
                    }
                    bytes.append(contentsOf: data)
                }
            }
            return bytes
        }
    }

    // MARK: - Remove

    /// How many runs use a dataset as their data source: runs of configs whose `source` column holds its
    /// content hash.
    public static func datasetRunCount(contentHash: String, in db: Database) throws -> Int {
        try Int.fetchOne(
            db,
            sql: "SELECT count(*) FROM runs AS r JOIN configs AS c ON c.config_hash = r.config_hash WHERE c.source = ?",
            arguments: [contentHash]) ?? 0
    }

    /// Removes a dataset and its tensors, unless runs use it.
    ///
    /// - Parameters:
    ///   - dataset: a name or content hash.
    ///   - db: a connection inside a write transaction.
    /// - Returns: the removed dataset.
    /// - Throws: ``DatasetError/unknownDataset(name:)``, ``DatasetError/referenced(name:runs:)``.
    @discardableResult
    public static func removeDataset(_ dataset: String, in db: Database) throws -> DatasetRecord {
        let record = try Store.dataset(dataset, in: db)
        let runs = try datasetRunCount(contentHash: record.contentHash, in: db)
        guard runs == 0 else { throw DatasetError.referenced(name: record.name, runs: runs) }
        // Configs that name the dataset but have no run (none can have one here) go with it.
        try db.execute(sql: "DELETE FROM configs WHERE source = ?", arguments: [record.contentHash])
        try db.execute(sql: "DELETE FROM datasets WHERE content_hash = ?", arguments: [record.contentHash])
        return record
    }
}

extension Store {
    /// The tensors one (layer, KV head) of a dataset contributes to a trial: its K and V and the Q of its G
    /// query heads (query heads head·G … head·G + G − 1), read in one snapshot, each checked against its
    /// SHA-256; the dataset's other tensors are not loaded.
    ///
    /// - Parameters:
    ///   - contentHash: the dataset's content hash.
    ///   - layer: the layer.
    ///   - head: the KV head.
    /// - Throws: ``DatasetError/unknownDataset(name:)`` (e.g. a shard database without its datasets),
    ///   ``DatasetError/noTensor(name:kind:layer:head:)`` for a layer or head the dataset does not have,
    ///   ``DatasetError/corrupt(_:)``.
    public func capturedHead(contentHash: String, layer: Int, head: Int) throws -> CapturedHead {
        try read { db in
            guard let record = try Store.dataset(hash: contentHash, in: db) else {
                throw DatasetError.unknownDataset(name: contentHash)
            }
            let m = record.manifest
            guard (0..<m.layers).contains(layer), (0..<m.kvHeads).contains(head) else {
                throw DatasetError.noTensor(name: record.name, kind: .k, layer: layer, head: head)
            }
            func tensor(_ kind: DatasetTensorKind, _ index: Int) throws -> [Float] {
                try Store.datasetTensor(contentHash: contentHash, kind: kind, layer: layer, head: index, in: db)
            }
            let g = m.groupSize
            return CapturedHead(
                keys: try tensor(.k, head), values: try tensor(.v, head),
                queryHeads: try (head * g..<(head + 1) * g).map { try tensor(.q, $0) }, tokens: m.tokens,
                dim: m.headDim)
        }
    }
}
