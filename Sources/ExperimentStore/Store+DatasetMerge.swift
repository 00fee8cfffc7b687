import GRDB

extension Store {
    /// Copies the datasets of another database into this one (part of ``merge(from:into:)``), by content
    /// hash, each in its own transaction, with its tensors checked against their hashes on the way.
    ///
    /// Refused before anything of the input is written: a name that holds different content in the two
    /// databases, one content stored under two names, or side metadata that differ
    /// (``DatasetError/mergeConflict(_:)``, naming both). Side metadata missing here are filled.
    ///
    /// - Parameters:
    ///   - input: an open read-only store.
    ///   - report: counts new datasets.
    func mergeDatasets(from input: Store, into report: inout MergeReport) throws {
        report.newDatasets += try copyDatasets(from: input)
        report.newModelsAndTexts += try copyModelsAndTexts(from: input)
    }

    /// Copies datasets of another database into this one, as `merge` does (same checks, same refusals):
    /// what `kvlab run --datasets-from` gives a shard database.
    ///
    /// - Parameters:
    ///   - input: an open store.
    ///   - hashes: the content hashes to copy (nil: every dataset of `input`).
    /// - Returns: how many datasets were new here.
    /// - Throws: ``DatasetError/mergeConflict(_:)``, ``DatasetError/corrupt(_:)``, ``StoreError``.
    @discardableResult
    public func copyDatasets(from input: Store, only hashes: Set<String>? = nil) throws -> Int {
        var copied = 0
        let records = try input.read { db in try Store.datasets(in: db) }.filter {
            hashes?.contains($0.contentHash) ?? true
        }
        guard !records.isEmpty else { return 0 }
        func conflict(_ record: DatasetRecord, in db: Database) throws -> String? {
            if let here = try Store.dataset(named: record.name, in: db), here.contentHash != record.contentHash {
                return
                    "dataset '\(record.name)' is content \(here.contentHash) in \(path) but \(record.contentHash) in "
                    + "\(input.path); rename one of them (export, rm, import --name) and merge again"
            }
            if let here = try Store.dataset(hash: record.contentHash, in: db) {
                if here.name != record.name {
                    return "dataset \(record.contentHash) is named '\(here.name)' in \(path) but '\(record.name)' in "
                        + "\(input.path); a dataset has one name"
                }
                let mine = Dictionary(uniqueKeysWithValues: here.metadata.entries.map { ($0.key, $0.value) })
                for (key, value) in record.metadata.entries {
                    if let stored = mine[key], stored != value {
                        return "dataset '\(record.name)': \(key) differs between \(path) and \(input.path)"
                    }
                }
            }
            return nil
        }
        let conflicts = try read { db in try records.compactMap { try conflict($0, in: db) } }
        if let first = conflicts.first { throw DatasetError.mergeConflict(first) }
        for record in records {
            let known = try read { db in try Store.dataset(hash: record.contentHash, in: db) != nil }
            if known {
                try write { db in
                    if let message = try conflict(record, in: db) { throw DatasetError.mergeConflict(message) }
                    _ = try Store.fillDatasetMetadata(
                        try Store.dataset(hash: record.contentHash, in: db)!, with: record.metadata, in: db)
                }
                continue
            }
            let (content, provenance) = try input.read { db in
                (
                    try Store.datasetContent(record, in: db),
                    try record.provenanceID.flatMap {
                        try Row.fetchOne(
                            db,
                            sql:
                                "SELECT id, \(Store.provenanceColumns.joined(separator: ", ")) FROM provenance WHERE id = ?",
                            arguments: [$0])
                    }
                )
            }
            try write { db in
                if let message = try conflict(record, in: db) { throw DatasetError.mergeConflict(message) }
                let provenanceID = try provenance.map { try Store.copyProvenance($0, in: db) }
                _ = try Store.storeDataset(
                    content, metadata: record.metadata, name: record.name, provenance: .existing(provenanceID),
                    createdAt: record.createdAt, in: db)
            }
            copied += 1
        }
        return copied
    }
}
