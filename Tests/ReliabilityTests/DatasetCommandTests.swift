import Crypto
import Foundation
import KVLabTestSupport
import Testing

/// `kvlab dataset import|list|show|export|rm` through the binary: the whole cycle, and every kind of bad
/// input refused with exit 2, naming the file and the tensor, with the database unchanged.
@Suite("Datasets through the command line")
struct DatasetCommandTests {
    typealias W = DatasetFileWriter

    /// SHA-256 of a file's bytes (empty string when absent).
    static func digest(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Row counts of the dataset tables and provenance.
    static func counts(_ db: String) throws -> String {
        try KVLabProcess.scalar(
            db,
            "SELECT (SELECT count(*) FROM datasets) || '/' || (SELECT count(*) FROM dataset_tensors) || '/' || "
                + "(SELECT count(*) FROM provenance)")
    }

    /// A directory with a database holding dataset `base` (seed 0 tensors), and its path.
    static func fixture() throws -> (dir: URL, db: String) {
        let dir = try TemporaryDirectory.create()
        let db = dir.appendingPathComponent("kvlab.sqlite").path
        let file = dir.appendingPathComponent("base.safetensors").path
        try W.write(W.safetensors(W.tensors()), to: file)
        let r = try KVLabProcess.run(["dataset", "import", file, "--name", "base", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, db)
    }

    @Test("import, list, show, export, re-import of the export (same hash), rm; verify clean throughout")
    func cycle() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = "[" + (0..<16).map { String(7 * $0) }.joined(separator: ",") + "]"
        let path = dir.appendingPathComponent("toy.safetensors").path
        let interleaved = [("format", "kvlab-caches/1"), ("coordinate_order", "interleaved")]
        try W.write(
            W.safetensors(
                W.tensors(seed: 1), dtype: "F16",
                metadata: interleaved + [("model", "toy"), ("token_ids", ids), ("text", "a toy text")]), to: path)
        let imported = try KVLabProcess.run(["dataset", "import", path, "--name", "toy", "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(
            imported.stdout.contains(
                "imported dataset 'toy': 2 layers, 2 KV heads, 4 query heads (G = 2), d = 8, T = 16"))
        #expect(imported.stdout.contains("converted from interleaved to rotate-half"))
        let hash = String(imported.stdout.split(separator: "content hash ").last ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(hash.count == 64)
        let again = try KVLabProcess.run(["dataset", "import", path, "--name", "toy", "--db", db])
        #expect(again.status == 0 && again.stdout.contains("nothing changed"), "\(again.stdout)")
        let list = try KVLabProcess.run(["dataset", "list", "--db", db, "--format", "csv"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("toy,\(hash),2,2,4,2,8,16,toy,"), "\(list.stdout)")
        #expect(
            list.stdout.hasPrefix(
                "name,content_hash,layers,kv_heads,query_heads,group_size,head_dim,tokens,model,created"))
        let show = try KVLabProcess.run(["dataset", "show", "toy", "--db", db, "--format", "json", "--tensors"])
        #expect(show.status == 0, "\(show.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect(object?["content_hash"] as? String == hash)
        #expect(object?["text"] as? String == "a toy text")
        #expect((object?["token_ids"] as? [Int])?.count == 16)
        #expect((object?["tensors"] as? [Any])?.count == 16)
        #expect(object?["coordinate_order"] as? String == "rotate-half")
        let table = try KVLabProcess.run(["dataset", "show", "toy", "--db", db])
        #expect(table.stdout.contains("group_size\t2") && table.stdout.contains("token_ids\t16 ids: [0, 7, 14"))
        // Export, then import the export into a new database: the same content hash and metadata.
        let out = dir.appendingPathComponent("export.safetensors").path
        let export = try KVLabProcess.run(["dataset", "export", "toy", "--out", out, "--db", db])
        #expect(export.status == 0, "\(export.stderr)")
        let other = dir.appendingPathComponent("other.sqlite").path
        let reimport = try KVLabProcess.run(["dataset", "import", out, "--name", "toy-copy", "--db", other])
        #expect(reimport.status == 0 && reimport.stdout.contains("content hash \(hash)"), "\(reimport.stdout)")
        #expect(!reimport.stdout.contains("converted"))
        let showCopy = try KVLabProcess.run(["dataset", "show", "toy-copy", "--db", other, "--format", "json"])
        let copy = try JSONSerialization.jsonObject(with: Data(showCopy.stdout.utf8)) as? [String: Any]
        for key in ["model", "text", "token_ids_sha256"] {
            #expect(copy?[key] as? String == object?[key] as? String, "\(key)")
        }
        // The export never overwrites the database; it replaces its own earlier file.
        let refused = try KVLabProcess.run(["dataset", "export", "toy", "--out", db, "--db", db, "--force"])
        #expect(refused.status == 2 && refused.stderr.contains("the database this command reads"))
        #expect(try KVLabProcess.run(["dataset", "export", "toy", "--out", out, "--db", db]).status == 0)
        // Under another name the same content is refused, naming the stored name.
        let second = try KVLabProcess.run(["dataset", "import", out, "--name", "toy-again", "--db", db])
        #expect(second.status == 2 && second.stderr.contains("already stored as dataset 'toy'"), "\(second.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        let rm = try KVLabProcess.run(["dataset", "rm", "toy", "--db", db])
        #expect(rm.status == 0 && rm.stdout.contains("removed dataset 'toy'"), "\(rm.stderr)")
        #expect(try Self.counts(db).hasPrefix("1/16/"))
        for command in [["show", "toy"], ["rm", "toy"], ["export", "toy", "--out", out]] {
            let r = try KVLabProcess.run(["dataset"] + command + ["--db", db])
            #expect(r.status == 2 && r.stderr.contains("no dataset named 'toy'"), "\(command): \(r.stderr)")
        }
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        let missing = try KVLabProcess.run(["dataset", "list", "--db", dir.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 2)
    }

    @Test("Import into an empty file creates the database there, as every writing command does")
    func emptyFile() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("empty.sqlite").path
        FileManager.default.createFile(atPath: db, contents: Data())
        let file = dir.appendingPathComponent("a.safetensors").path
        try W.write(W.safetensors(W.tensors()), to: file)
        let r = try KVLabProcess.run(["dataset", "import", file, "--name", "a", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.counts(db) == "1/16/1")
    }

    @Test("verify reports a flipped byte in a stored tensor (exit 3)")
    func verifyFlippedByte() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try KVLabProcess.scalar(
            db, "SELECT hex(substr(data, 100, 1)) FROM dataset_tensors WHERE kind = 'k' AND layer = 1 AND head = 1")
        let flipped = original == "5A" ? "5B" : "5A"
        let update = try KVLabProcess.run([
            "sql", "--write", "--db", db,
            "UPDATE dataset_tensors SET data = CAST(substr(data, 1, 99) || CAST(X'\(flipped)' AS BLOB) || "
                + "substr(data, 101) AS BLOB) WHERE kind = 'k' AND layer = 1 AND head = 1",
        ])
        #expect(update.status == 0, "\(update.stderr)")
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status == 3)
        #expect(verify.stdout.contains(/datasets +1 problem \(16 checked\)/), "\(verify.stdout)")
        #expect(verify.stdout.contains("dataset 'base': tensor layers.1.k[1] hashes to"), "\(verify.stdout)")
        let export = try KVLabProcess.run([
            "dataset", "export", "base", "--out", dir.appendingPathComponent("x.safetensors").path, "--db", db,
        ])
        #expect(export.status == 3 && export.stderr.contains("corrupt dataset"), "\(export.stderr)")
    }

    /// One bad input: a name for messages, the file's bytes (or a directory writer), what stderr must name.
    struct BadInput: CustomStringConvertible {
        var description: String
        var bytes: [UInt8]
        var mentions: [String]
    }

    static var badInputs: [BadInput] {
        let tensors = W.tensors()
        let good = W.safetensors(tensors)
        let parts = W.safetensorsParts(tensors)
        func replacing(_ name: String, _ tensor: W.Tensor?) -> [W.Tensor] {
            tensors.compactMap { $0.name == name ? tensor : $0 }
        }
        var nan = tensors
        nan[4].values[17] = .nan
        var inf = tensors
        inf[2].values[0] = .infinity
        var threeHeads = W.Shape()
        threeHeads.kvHeads = 3
        var threeLayers = W.Shape()
        threeLayers.layers = 3
        return [
            BadInput(
                description: "wrong shape",
                bytes: W.safetensors(
                    replacing("layers.1.v", W.Tensor(name: "layers.1.v", shape: [32, 8], values: tensors[4].values))),
                mentions: ["layers.1.v", "is not [heads, T, d]"]),
            BadInput(description: "NaN", bytes: W.safetensors(nan), mentions: ["layers.1.v", "value NaN"]),
            BadInput(description: "Inf", bytes: W.safetensors(inf), mentions: ["layers.0.q", "value inf"]),
            BadInput(
                description: "mismatched head counts",
                bytes: W.safetensors(replacing("layers.1.k", W.tensors(threeHeads)[3])),
                mentions: ["layers.1.k", "has 3 KV heads"]),
            BadInput(
                description: "a missing layer",
                bytes: W.safetensors(W.tensors(threeLayers).filter { !$0.name.hasPrefix("layers.1.") }),
                mentions: ["layers.1.k", "is missing"]),
            BadInput(
                description: "a truncated file", bytes: Array(good.dropLast(1)), mentions: ["layers.1.q", "truncated"]),
            BadInput(
                description: "an unknown dtype",
                bytes: W.safetensors(
                    header: parts.header.replacingOccurrences(
                        of: "\"layers.0.v\":{\"dtype\":\"F32\"", with: "\"layers.0.v\":{\"dtype\":\"F64\""),
                    data: parts.data),
                mentions: ["layers.0.v", "dtype F64 is not supported"]),
            BadInput(
                description: "a header that lies about offsets",
                bytes: W.safetensors(
                    header: parts.header.replacingOccurrences(of: "[1024,2048]", with: "[1000,2024]"), data: parts.data),
                mentions: ["layers.0.v", "overlap", "the header lies"]),
            BadInput(
                description: "a header that lies about sizes",
                bytes: W.safetensors(
                    header: parts.header.replacingOccurrences(of: "[2,16,8]", with: "[2,16,9]"), data: parts.data),
                mentions: ["layers.0.k", "needs 1152"]),
            BadInput(
                description: "no format metadata", bytes: W.safetensors(tensors, metadata: nil),
                mentions: ["__metadata__ format", "is missing"]),
            BadInput(
                description: "not a safetensors file", bytes: Array("hello, world\n".utf8), mentions: ["header length"]),
        ]
    }

    @Test("Bad input is exit 2, names the file and the tensor, and leaves the database unchanged", arguments: badInputs)
    func badInput(_ input: BadInput) throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = (Self.digest(db), try Self.counts(db))
        let path = dir.appendingPathComponent("bad.safetensors").path
        try W.write(input.bytes, to: path)
        let r = try KVLabProcess.run(["dataset", "import", path, "--name", "new", "--db", db])
        #expect(r.status == 2, "\(input): \(r.stderr)")
        #expect(r.stderr.contains(path), "\(input): \(r.stderr)")
        for phrase in input.mentions { #expect(r.stderr.contains(phrase), "\(input): \(r.stderr)") }
        #expect(r.stdout.isEmpty)
        #expect(Self.digest(db) == before.0, "\(input)")
        #expect(try Self.counts(db) == before.1, "\(input)")
        // Into a database that does not exist yet: none is created.
        let fresh = dir.appendingPathComponent("fresh.sqlite").path
        #expect(try KVLabProcess.run(["dataset", "import", path, "--name", "new", "--db", fresh]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test("A name used by other content, a bad name, a missing file or a bad .npy directory: exit 2, nothing changed")
    func badRequests() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = (Self.digest(db), try Self.counts(db))
        let hash = try KVLabProcess.scalar(db, "SELECT content_hash FROM datasets WHERE name = 'base'")
        let other = dir.appendingPathComponent("other.safetensors").path
        try W.write(W.safetensors(W.tensors(seed: 4)), to: other)
        let taken = try KVLabProcess.run(["dataset", "import", other, "--name", "base", "--db", db])
        #expect(taken.status == 2)
        #expect(taken.stderr.contains("the name 'base' is already used by dataset \(hash)"), "\(taken.stderr)")
        let badName = try KVLabProcess.run(["dataset", "import", other, "--name", "has space", "--db", db])
        #expect(badName.status == 2 && badName.stderr.contains("invalid dataset name"), "\(badName.stderr)")
        let missing = dir.appendingPathComponent("missing.safetensors").path
        let absent = try KVLabProcess.run(["dataset", "import", missing, "--name", "m", "--db", db])
        #expect(absent.status == 2 && absent.stderr.contains(missing), "\(absent.stderr)")
        let npy = dir.appendingPathComponent("npy")
        try W.npyDirectory(at: npy, W.tensors(seed: 2))
        let k = W.tensors(seed: 2)[0]
        let kFile = npy.appendingPathComponent("layers.0.k.npy").path
        try W.write(Array(W.npy(shape: k.shape, values: k.values).dropLast(4)), to: kFile)
        let truncated = try KVLabProcess.run(["dataset", "import", npy.path, "--name", "npy", "--db", db])
        #expect(truncated.status == 2 && truncated.stderr.contains(kFile) && truncated.stderr.contains("layers.0.k"))
        #expect(Self.digest(db) == before.0)
        #expect(try Self.counts(db) == before.1)
        // The same directory, repaired, imports.
        try W.write(W.npy(shape: k.shape, values: k.values), to: kFile)
        let fixed = try KVLabProcess.run(["dataset", "import", npy.path, "--name", "npy", "--db", db])
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    @Test("merge copies datasets; one name with two contents is exit 3 naming both hashes")
    func merge() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("merged.sqlite").path
        let merged = try KVLabProcess.run(["merge", "--into", out, db])
        #expect(merged.status == 0 && merged.stdout.contains("1 new datasets"), "\(merged.stdout)\(merged.stderr)")
        #expect(try Self.counts(out).hasPrefix("1/16/"))
        let other = dir.appendingPathComponent("other.sqlite").path
        let file = dir.appendingPathComponent("o.safetensors").path
        try W.write(W.safetensors(W.tensors(seed: 6)), to: file)
        #expect(try KVLabProcess.run(["dataset", "import", file, "--name", "base", "--db", other]).status == 0)
        let conflict = try KVLabProcess.run(["merge", "--into", out, other])
        #expect(conflict.status == 3)
        let hashes = [
            try KVLabProcess.scalar(db, "SELECT content_hash FROM datasets"),
            try KVLabProcess.scalar(other, "SELECT content_hash FROM datasets"),
        ]
        for hash in hashes { #expect(conflict.stderr.contains(hash), "\(conflict.stderr)") }
        #expect(try Self.counts(out).hasPrefix("1/16/"))
    }
}
