import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Datasets in the store: import, one name per content, side metadata, reading one tensor, export and
/// re-import, rm, verify and merge.
@Suite("Datasets in the store")
struct DatasetStoreTests {
    typealias W = DatasetFileWriter

    /// A dataset file read from bytes written into `dir`.
    static func file(
        _ dir: TemporaryDirectory, seed: Int = 0, metadata: [(String, String)] = W.baseMetadata,
        name: String = "in.safetensors"
    ) throws -> DatasetFile {
        let path = dir.path(name)
        try W.write(W.safetensors(W.tensors(seed: seed), metadata: metadata), to: path)
        return try DatasetFile.read(path: path)
    }

    /// Row counts of the dataset tables.
    static func counts(_ store: Store) throws -> [Int] {
        try store.read { db in
            [
                try Int.fetchOne(db, sql: "SELECT count(*) FROM datasets") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM dataset_tensors") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM provenance") ?? -1,
            ]
        }
    }

    static let provenance = Provenance.current(kvlabVersion: "test", command: "test")

    @Test("Import stores the manifest, the metadata and every tensor; one tensor reads back alone")
    func importAndRead() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let ids = "[" + (0..<16).map { String(100 + $0) }.joined(separator: ",") + "]"
        let file = try Self.file(
            dir, metadata: W.baseMetadata + [("model", "tiny"), ("token_ids", ids), ("text", "a text\nof two lines")])
        let (record, outcome) = try store.importDataset(file, name: "tiny-wiki", provenance: Self.provenance)
        #expect(outcome == .created)
        #expect(record.name == "tiny-wiki" && record.contentHash == file.content.contentHash)
        #expect(record.manifest == DatasetManifest(layers: 2, kvHeads: 2, queryHeads: 4, headDim: 8, tokens: 16))
        #expect(record.coordinateOrder == "rotate-half")
        #expect(record.metadata.model == "tiny" && record.metadata.text == "a text\nof two lines")
        #expect(record.metadata.tokenIDs == (0..<16).map { UInt32(100 + $0) })
        #expect(record.provenanceID != nil)
        #expect(try Self.counts(store) == [1, 16, 1])
        let listed = try store.read { db in try Store.datasets(in: db) }
        #expect(listed == [record])
        let stored = try store.read { db in
            try Row.fetchOne(
                db, sql: "SELECT group_size, token_ids, token_ids_sha256 FROM datasets WHERE name = 'tiny-wiki'")!
        }
        #expect(stored[0] as Int == 2)
        #expect(stored[1] as String == ids)
        #expect(stored[2] as String == DatasetMetadata.sha256(tokenIDs: (0..<16).map { UInt32(100 + $0) }))
        // One tensor, by name or by content hash; as floats and as a matrix of doubles.
        let q = W.tensors().first { $0.name == "layers.1.q" }!
        let expected = Array(q.values[(2 * 128)..<(3 * 128)])
        #expect(try store.datasetTensor("tiny-wiki", kind: .q, layer: 1, head: 2) == expected)
        #expect(try store.datasetTensor(record.contentHash, kind: .q, layer: 1, head: 2) == expected)
        let matrix = try store.datasetMatrix("tiny-wiki", kind: .q, layer: 1, head: 2)
        #expect(matrix.rows == 16 && matrix.cols == 8)
        #expect(Array(matrix.storage) == expected.map { Double($0) })
        #expect(throws: DatasetError.noTensor(name: "tiny-wiki", kind: .k, layer: 0, head: 2)) {
            try store.datasetTensor("tiny-wiki", kind: .k, layer: 0, head: 2)
        }
        #expect(throws: DatasetError.unknownDataset(name: "nope")) {
            try store.datasetTensor("nope", kind: .k, layer: 0, head: 0)
        }
        #expect(try store.verify()["datasets"] == VerificationCheck(name: "datasets", checked: 16))
        #expect(try store.verify().isClean)
    }

    @Test("Export writes the import format: it re-imports to the same hash and metadata, byte for byte stable")
    func exportRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let interleaved = [("format", "kvlab-caches/1"), ("coordinate_order", "interleaved")]
        let meta =
            interleaved + [
                ("model", "tiny"), ("text", "ünïcode \"quoted\"\n"),
                ("model_sha256", String(repeating: "AB", count: 32)),
                ("token_ids", "[" + (0..<16).map(String.init).joined(separator: ", ") + "]"),
            ]
        let source = try Self.file(dir, seed: 3, metadata: meta)
        try store.importDataset(source, name: "x", provenance: nil)
        let bytes = try store.exportDataset("x")
        #expect(try store.exportDataset("x") == bytes)
        let path = dir.path("out.safetensors")
        try W.write(bytes, to: path)
        let again = try DatasetFile.read(path: path)
        #expect(again.content.contentHash == source.content.contentHash)
        #expect(again.metadata == source.metadata)
        #expect(again.metadata.modelSHA256 == String(repeating: "ab", count: 32))
        #expect(again.sourceCoordinateOrder == "rotate-half")
        let other = try Store(path: dir.path("other.sqlite"))
        let (record, outcome) = try other.importDataset(again, name: "x", provenance: nil)
        #expect(outcome == .created && record.contentHash == source.content.contentHash)
        #expect(try other.exportDataset("x") == bytes)
        // The header: F32 tensors [heads, T, d] and every side-metadata key.
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(headerLength % 8 == 0)
        #expect(header.contains("\"layers.1.q\":{\"dtype\":\"F32\",\"shape\":[4,16,8]"))
        for key in ["format", "coordinate_order", "model", "model_sha256", "token_ids", "text"] {
            #expect(header.contains("\"\(key)\":"), "\(key)")
        }
        #expect(header.contains("\"coordinate_order\":\"rotate-half\""))
    }

    @Test("One name per content: a second name for stored content and a taken name are refused, nothing written")
    func oneNamePerContent() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let a = try Self.file(dir, seed: 0)
        let b = try Self.file(dir, seed: 1, name: "b.safetensors")
        try store.importDataset(a, name: "a", provenance: Self.provenance)
        let before = try Self.counts(store)
        #expect(throws: DatasetError.contentStored(name: "a2", existingName: "a", contentHash: a.content.contentHash)) {
            try store.importDataset(a, name: "a2", provenance: Self.provenance)
        }
        #expect(
            throws: DatasetError.nameTaken(
                name: "a", existingHash: a.content.contentHash, newHash: b.content.contentHash)
        ) {
            try store.importDataset(b, name: "a", provenance: Self.provenance)
        }
        #expect(try Self.counts(store) == before)
        // The same answers from a read-only store, without writing.
        let reader = try Store(path: dir.path(), mode: .readOnly)
        #expect(try reader.plannedImport(a, name: "a") == .unchanged)
        #expect(try reader.plannedImport(b, name: "b") == .created)
        #expect(throws: DatasetError.self) { try reader.plannedImport(a, name: "a2") }
        #expect(throws: DatasetError.self) { try reader.plannedImport(b, name: "a") }
        let message = DatasetError.contentStored(name: "a2", existingName: "a", contentHash: "h").description
        #expect(message.contains("already stored as dataset 'a'"))
        for bad in ["", " x", "a b", "-x", String(repeating: "a", count: 129), String(repeating: "0", count: 64)] {
            #expect(throws: DatasetError.self) { try store.importDataset(b, name: bad, provenance: nil) }
        }
        #expect(try Self.counts(store) == before)
    }

    @Test("Re-importing fills missing side metadata; a differing value is an error and changes nothing")
    func sideMetadata() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        try store.importDataset(try Self.file(dir), name: "d", provenance: Self.provenance)
        #expect(
            try store.importDataset(try Self.file(dir), name: "d", provenance: Self.provenance).outcome == .unchanged)
        let ids = "[" + (0..<16).map(String.init).joined(separator: ",") + "]"
        let more = try Self.file(dir, metadata: W.baseMetadata + [("text", "the text"), ("token_ids", ids)])
        #expect(try store.plannedImport(more, name: "d") == .filled(["token_ids", "text"]))
        let (record, outcome) = try store.importDataset(more, name: "d", provenance: Self.provenance)
        #expect(outcome == .filled(["token_ids", "text"]))
        #expect(record.metadata.text == "the text" && record.metadata.tokenIDs?.count == 16)
        #expect(try Self.counts(store) == [1, 16, 1])
        let before = try Self.counts(store)
        let conflicting = try Self.file(dir, metadata: W.baseMetadata + [("text", "another text"), ("model", "m")])
        #expect(
            throws: DatasetError.metadataConflict(name: "d", key: "text", stored: "'the text'", new: "'another text'")
        ) {
            try store.importDataset(conflicting, name: "d", provenance: Self.provenance)
        }
        // The model (absent before) was not filled by the failed import.
        #expect(try store.read { db in try Store.dataset(named: "d", in: db)?.metadata.model } == nil)
        #expect(try Self.counts(store) == before)
    }

    @Test("rm removes the dataset and its tensors; refused while runs of a config with that source exist")
    func remove() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let file = try Self.file(dir)
        try store.importDataset(file, name: "d", provenance: nil)
        try store.importDataset(try Self.file(dir, seed: 5, name: "e.safetensors"), name: "e", provenance: nil)
        #expect(throws: DatasetError.unknownDataset(name: "zzz")) {
            try store.write { db in try Store.removeDataset("zzz", in: db) }
        }
        #expect(try store.write { db in try Store.removeDataset("e", in: db) }.name == "e")
        #expect(try Self.counts(store)[0...1] == [1, 16])
        // Runs of a config whose source is the dataset's hash block rm.
        #expect(try store.read { db in try Store.datasetRunCount(contentHash: file.content.contentHash, in: db) } == 0)
        let hash = try store.write { db -> String in
            var captured = TrialConfig()
            captured.source = file.content.contentHash
            captured.layer = 0
            captured.head = 0
            captured.dim = file.content.manifest.headDim
            captured.tokens = file.content.manifest.tokens
            captured.queries = 1
            try captured.validate()
            let config = captured.resolved
            try Store.upsertConfig(config, in: db)
            let configHash = try config.configHash()
            _ = try Store.ensureRun(configHash: configHash, seed: 1, trialsPlanned: 1, engineVersion: 1, in: db)
            return configHash
        }
        #expect(try store.read { db in try Store.datasetRunCount(contentHash: file.content.contentHash, in: db) } == 1)
        #expect(throws: DatasetError.referenced(name: "d", runs: 1)) {
            try store.write { db in try Store.removeDataset("d", in: db) }
        }
        #expect(try Self.counts(store)[0...1] == [1, 16])
        try store.write { db in
            try db.execute(sql: "DELETE FROM runs")
            try db.execute(sql: "DELETE FROM configs WHERE config_hash = ?", arguments: [hash])
        }
        try store.write { db in _ = try Store.removeDataset(file.content.contentHash, in: db) }
        #expect(try Self.counts(store)[0...1] == [0, 0])
    }

    @Test("verify re-hashes every tensor: a flipped byte, a changed hash or a missing tensor is reported")
    func verifyDetectsDamage() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let store = try Store(path: path)
        let file = try Self.file(dir)
        try store.importDataset(file, name: "d", provenance: nil)
        try store.close()
        // Flip one bit of one byte of layers.1.v, head 0, with a plain connection.
        let plain = try plainQueue(path)
        try plain.write { db in
            var data = try Data.fetchOne(
                db, sql: "SELECT data FROM dataset_tensors WHERE kind = 'v' AND layer = 1 AND head = 0")!
            data[100] ^= 0x01
            try db.execute(
                sql: "UPDATE dataset_tensors SET data = ? WHERE kind = 'v' AND layer = 1 AND head = 0",
                arguments: [data])
        }
        let damaged = try Store(path: path, mode: .readOnly).verify()["datasets"]!
        #expect(damaged.problemCount == 1)
        #expect(damaged.details.first?.contains("dataset 'd': tensor layers.1.v[0] hashes to") == true, "\(damaged)")
        // Reading the damaged tensor (and exporting) refuses too.
        let reader = try Store(path: path, mode: .readOnly)
        #expect(throws: DatasetError.self) { try reader.datasetTensor("d", kind: .v, layer: 1, head: 0) }
        #expect(throws: DatasetError.self) { try reader.exportDataset("d") }
        #expect(try reader.datasetTensor("d", kind: .v, layer: 1, head: 1).count == 128)
        // A recorded hash changed to match the flipped data: the content hash no longer recomputes.
        try plain.write { db in
            let data = try Data.fetchOne(
                db, sql: "SELECT data FROM dataset_tensors WHERE kind = 'v' AND layer = 1 AND head = 0")!
            try db.execute(
                sql: "UPDATE dataset_tensors SET sha256 = ? WHERE kind = 'v' AND layer = 1 AND head = 0",
                arguments: [Hex.sha256(data)])
        }
        let rehashed = try Store(path: path, mode: .readOnly).verify()["datasets"]!
        #expect(rehashed.problemCount == 1)
        #expect(rehashed.details.first?.contains("not its content_hash") == true, "\(rehashed)")
        try plain.write { db in try db.execute(sql: "DELETE FROM dataset_tensors WHERE kind = 'q' AND layer = 0") }
        let missing = try Store(path: path, mode: .readOnly).verify()["datasets"]!
        #expect(missing.details.contains { $0.contains("4 tensors missing (first: layers.0.q[0])") }, "\(missing)")
    }

    @Test("merge copies datasets by content hash, idempotently; one name with two contents is an error naming both")
    func merge() throws {
        let dir = try TemporaryDirectory()
        let shard = try Store(path: dir.path("shard.sqlite"))
        let file = try Self.file(dir, metadata: W.baseMetadata + [("model", "tiny")])
        try shard.importDataset(file, name: "d", provenance: Self.provenance)
        let output = try Store(path: dir.path("out.sqlite"))
        var report = MergeReport()
        try output.merge(from: shard, into: &report)
        #expect(report.newDatasets == 1 && report.conflicts.isEmpty)
        #expect(try Self.counts(output) == [1, 16, 1])
        let merged = try output.read { db in try Store.dataset(named: "d", in: db) }
        #expect(merged?.contentHash == file.content.contentHash && merged?.metadata.model == "tiny")
        #expect(merged?.provenanceID != nil)
        #expect(try output.exportDataset("d") == (try shard.exportDataset("d")))
        var again = MergeReport()
        try output.merge(from: shard, into: &again)
        #expect(again.newDatasets == 0)
        #expect(try Self.counts(output) == [1, 16, 1])
        #expect(try output.verify().isClean)
        // Side metadata missing in the output are filled by a merge.
        let richer = try Store(path: dir.path("richer.sqlite"))
        let text = try Self.file(
            dir, metadata: W.baseMetadata + [("model", "tiny"), ("text", "t")], name: "t.safetensors")
        try richer.importDataset(text, name: "d", provenance: nil)
        var filled = MergeReport()
        try output.merge(from: richer, into: &filled)
        #expect(try output.read { db in try Store.dataset(named: "d", in: db)?.metadata.text } == "t")
        // Another content under the same name: refused, naming both hashes; nothing of that input merged.
        let other = try Store(path: dir.path("other.sqlite"))
        let different = try Self.file(dir, seed: 9, name: "o.safetensors")
        try other.importDataset(different, name: "d", provenance: nil)
        try other.importDataset(try Self.file(dir, seed: 10, name: "p.safetensors"), name: "p", provenance: nil)
        var refused = MergeReport()
        do {
            try output.merge(from: other, into: &refused)
            Issue.record("merged two contents under one name")
        } catch let error as DatasetError {
            #expect(!error.isBadInput)
            #expect(error.description.contains(file.content.contentHash), "\(error)")
            #expect(error.description.contains(different.content.contentHash), "\(error)")
        }
        #expect(try Self.counts(output)[0...1] == [1, 16])
        // The same content under another name: refused too.
        let renamed = try Store(path: dir.path("renamed.sqlite"))
        try renamed.importDataset(file, name: "d-again", provenance: nil)
        #expect(throws: DatasetError.self) { try output.merge(from: renamed, into: &refused) }
    }
}
