import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Registered models and stored texts (migration 0008, issue 17): one name per content, the text hash, the
/// token ids a model-level run reads, and verify on a damaged text.
@Suite("Models and texts in the store")
struct ModelStoreTests {
    typealias W = DatasetFileWriter

    static let hashA = String(repeating: "a1", count: 32)
    static let hashB = String(repeating: "b2", count: 32)

    static func model(_ name: String, _ sha256: String, path: String = "/models/m.gguf") -> ModelRecord {
        ModelRecord(
            sha256: sha256, name: name, path: path, architecture: "llama", layers: 2, kvHeads: 2, queryHeads: 4,
            headDim: 16, vocab: 300, sizeBytes: 1234, createdAt: 1_700_000_000)
    }

    /// Token ids spanning every byte position of a little-endian uint32.
    static let ids: [UInt32] = [0, 1, 255, 256, 65535, 65536, 16_777_216, 4_294_967_295]

    /// SHA-256 of ``ids`` as little-endian uint32, computed independently of kvlab with Python:
    /// `hashlib.sha256(struct.pack('<8I', 0, 1, 255, 256, 65535, 65536, 16777216, 4294967295)).hexdigest()`.
    static let idsSHA256 = "2b564e18b6b2be63da2d9961940bb570646cccb336182b65b46e331190082bd2"
    /// The same bytes, `struct.pack('<8I', …).hex()`.
    static let idsBlobHex = "0000000001000000ff00000000010000ffff00000000010000000001ffffffff"

    /// The ids 100…115 a test dataset keeps: `hashlib.sha256(struct.pack('<16I', *range(100, 116))).hexdigest()`.
    static let datasetIDs = (0..<16).map { UInt32(100 + $0) }
    static let datasetIDsSHA256 = "34819f75ed7b029ce33517f976a03f67d74fac07003ef23ab361aaf7ef214b68"

    /// A store holding a dataset `d` (16 tokens) with the token ids 100…115.
    static func storeWithDataset(_ dir: TemporaryDirectory) throws -> Store {
        let store = try Store(path: dir.path())
        let path = dir.path("d.safetensors")
        let json = "[" + datasetIDs.map(String.init).joined(separator: ",") + "]"
        try W.write(W.safetensors(W.tensors(seed: 0), metadata: W.baseMetadata + [("token_ids", json)]), to: path)
        try store.importDataset(try DatasetFile.read(path: path), name: "d", provenance: nil)
        return store
    }

    static func count(_ store: Store, _ table: String) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    @Test("registerModel: a name holding another hash is nameTaken, a hash under a second name is contentStored")
    func registerModelRules() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        #expect(try store.write { db in try Store.registerModel(Self.model("a", Self.hashA), in: db) })
        #expect(
            throws: ModelStoreError.nameTaken(kind: "model", name: "a", existing: "model \(Self.hashA)")
        ) {
            try store.write { db in try Store.registerModel(Self.model("a", Self.hashB), in: db) }
        }
        #expect(throws: ModelStoreError.contentStored(kind: "model", name: "b", existingName: "a")) {
            try store.write { db in try Store.registerModel(Self.model("b", Self.hashA, path: "/elsewhere"), in: db) }
        }
        // Neither refusal wrote anything: one model, at its first path.
        let models = try store.read { db in try Store.models(in: db) }
        #expect(models == [Self.model("a", Self.hashA)])
        let message = ModelStoreError.contentStored(kind: "model", name: "b", existingName: "a").description
        #expect(
            message == "this model is already stored as 'a'; not storing it again as 'b' (one name per model): use 'a'")
        #expect(ModelStoreError.nameTaken(kind: "model", name: "a", existing: "x").isBadInput)
    }

    @Test("registerModel: the same name and hash at a new path updates the path and nothing else")
    func registerModelMovedFile() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        try store.write { db in _ = try Store.registerModel(Self.model("a", Self.hashA), in: db) }
        var moved = Self.model("a", Self.hashA, path: "/moved/m.gguf")
        moved.layers = 99  // only the path is updated: the shape comes with the hash
        moved.createdAt = 5
        #expect(try store.write { db in try Store.registerModel(moved, in: db) } == false)
        let stored = try #require(try store.read { db in try Store.model(named: "a", in: db) })
        #expect(stored == Self.model("a", Self.hashA, path: "/moved/m.gguf"))
        #expect(try store.read { db in try Store.model(sha256: Self.hashA, in: db) } == stored)
        // The same again is no change.
        #expect(try store.write { db in try Store.registerModel(moved, in: db) } == false)
        #expect(try Self.count(store, "models") == 1)
        #expect(try store.read { db in try Store.model(named: "b", in: db) } == nil)
        // A second model under its own name is registered; models are listed by name.
        #expect(try store.write { db in try Store.registerModel(Self.model("0first", Self.hashB), in: db) })
        #expect(try store.read { db in try Store.models(in: db) }.map(\.name) == ["0first", "a"])
    }

    @Test("the text hash is SHA-256 of the ids as little-endian uint32 (pinned against Python's hashlib)")
    func textHashPinned() throws {
        #expect(DatasetMetadata.sha256(tokenIDs: Self.ids) == Self.idsSHA256)
        #expect(TextRecord(name: "t", tokenIDs: Self.ids).sha256 == Self.idsSHA256)
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        #expect(try store.write { db in try Store.addText(TextRecord(name: "t", tokenIDs: Self.ids), in: db) })
        let row = try #require(
            try store.read { db in try Row.fetchOne(db, sql: "SELECT sha256, tokens, token_ids FROM texts") })
        #expect(row[0] as String == Self.idsSHA256)
        #expect(row[1] as Int == 8)
        #expect((row[2] as Data).map { String(format: "%02x", $0) }.joined() == Self.idsBlobHex)
        #expect(try store.read { db in try Store.storedText(named: "t", in: db) }?.tokenIDs == Self.ids)
        // The dataset side uses the same hash.
        #expect(DatasetMetadata.sha256(tokenIDs: Self.datasetIDs) == Self.datasetIDsSHA256)
    }

    @Test("addText: a dataset's name, ids stored under another name, other ids under a stored name are refused")
    func addTextRules() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.storeWithDataset(dir)
        #expect(throws: ModelStoreError.nameTaken(kind: "text", name: "d", existing: "a dataset")) {
            try store.write { db in try Store.addText(TextRecord(name: "d", tokenIDs: [1, 2, 3]), in: db) }
        }
        #expect(try store.write { db in try Store.addText(TextRecord(name: "t", tokenIDs: Self.ids), in: db) })
        #expect(throws: ModelStoreError.contentStored(kind: "text", name: "u", existingName: "t")) {
            try store.write { db in try Store.addText(TextRecord(name: "u", tokenIDs: Self.ids), in: db) }
        }
        #expect(
            throws: ModelStoreError.nameTaken(kind: "text", name: "t", existing: "text \(Self.idsSHA256)")
        ) {
            try store.write { db in try Store.addText(TextRecord(name: "t", tokenIDs: [7, 8]), in: db) }
        }
        #expect(throws: ModelStoreError.invalidText("it has no tokens")) {
            try store.write { db in try Store.addText(TextRecord(name: "e", tokenIDs: []), in: db) }
        }
        // The same name and ids again: nothing new.
        #expect(try store.write { db in try Store.addText(TextRecord(name: "t", tokenIDs: Self.ids), in: db) } == false)
        #expect(try Self.count(store, "texts") == 1)
        // A dataset's ids under a text name are a text of their own (the datasets are not texts' owners).
        #expect(
            try store.write { db in try Store.addText(TextRecord(name: "copy", tokenIDs: Self.datasetIDs), in: db) })
        #expect(try store.read { db in try Store.storedTexts(in: db) }.map(\.name) == ["copy", "t"])
        // And back: a dataset may not take a stored text's name (a spec's `text: t` must mean one thing).
        let path = dir.path("t.safetensors")
        try W.write(W.safetensors(W.tensors(seed: 1), metadata: W.baseMetadata), to: path)
        #expect(throws: DatasetError.self) {
            try store.importDataset(try DatasetFile.read(path: path), name: "t", provenance: nil)
        }
        #expect(try Self.count(store, "datasets") == 1)
    }

    @Test("tokenIDs(sha256:) finds a stored text's ids and a dataset's ids; textEntries lists both")
    func tokenIDsLookup() throws {
        let dir = try TemporaryDirectory()
        let store = try Self.storeWithDataset(dir)
        try store.write { db in _ = try Store.addText(TextRecord(name: "t", tokenIDs: Self.ids), in: db) }
        #expect(try store.read { db in try Store.tokenIDs(sha256: Self.idsSHA256, in: db) } == Self.ids)
        #expect(try store.read { db in try Store.tokenIDs(sha256: Self.datasetIDsSHA256, in: db) } == Self.datasetIDs)
        #expect(try store.read { db in try Store.tokenIDs(sha256: Self.hashA, in: db) } == nil)
        let entries = try store.read { db in try Store.textEntries(in: db) }
        #expect(
            entries == [
                TextEntry(name: "t", sha256: Self.idsSHA256, tokens: 8),
                TextEntry(name: "d", sha256: Self.datasetIDsSHA256, tokens: 16),
            ])
    }

    @Test("verify reports a text whose token ids were altered with raw SQL; reading it refuses")
    func verifyDamagedText() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let store = try Store(path: path)
        try store.write { db in
            _ = try Store.addText(TextRecord(name: "t", tokenIDs: Self.ids), in: db)
            _ = try Store.addText(TextRecord(name: "u", tokenIDs: [5, 6, 7]), in: db)
        }
        #expect(try store.verify()["texts"] == VerificationCheck(name: "texts", checked: 2))
        try store.close()
        // Flip one bit of the third id (255 → 254) with a plain connection: same length, other ids.
        let plain = try plainQueue(path)
        try plain.write { db in
            var blob = try Data.fetchOne(db, sql: "SELECT token_ids FROM texts WHERE name = 't'")!
            blob[8] ^= 0x01
            try db.execute(sql: "UPDATE texts SET token_ids = ? WHERE name = 't'", arguments: [blob])
        }
        try plain.close()
        let damaged = try Store(path: path, mode: .readOnly)
        let report = try damaged.verify()
        #expect(
            report["texts"]
                == VerificationCheck(
                    name: "texts", checked: 2, problemCount: 1,
                    details: ["text 't': its token ids do not match their recorded SHA-256 \(Self.idsSHA256)"]))
        #expect(!report.isClean)
        #expect(report.checks.filter { !$0.isClean }.map(\.name) == ["texts"])
        #expect(throws: StoreError.self) { try damaged.read { db in try Store.storedText(named: "t", in: db) } }
        #expect(try damaged.read { db in try Store.storedText(named: "u", in: db) }?.tokenIDs == [5, 6, 7])
        // What a model-level run reads: the damaged ids are refused, never returned under the recorded hash.
        #expect(throws: StoreError.self) {
            try damaged.read { db in try Store.tokenIDs(sha256: Self.idsSHA256, in: db) }
        }
        #expect(
            try damaged.read { db in
                try Store.tokenIDs(sha256: TextRecord(name: "u", tokenIDs: [5, 6, 7]).sha256, in: db)
            } == [5, 6, 7])
    }
}
