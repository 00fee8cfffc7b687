import Crypto
import Foundation
import KVLabTestSupport
import Testing

@testable import ExperimentStore

/// Reading dataset files: safetensors and `.npy` directories, dtype conversion, coordinate order, the content
/// hash, and every kind of bad input (README "Datasets", docs/SCHEMA.md "Dataset identity").
@Suite("Dataset files")
struct DatasetFormatTests {
    typealias W = DatasetFileWriter

    /// Writes a file into a temporary directory and reads it.
    static func read(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String = "caches.safetensors") throws
        -> DatasetFile
    {
        let path = dir.path(name)
        try W.write(bytes, to: path)
        return try DatasetFile.read(path: path)
    }

    /// The stored values of one tensor of read content.
    static func values(_ file: DatasetFile, _ kind: DatasetTensorKind, layer: Int, head: Int) -> [Float] {
        let tensor = file.content.tensors.first { $0.key == DatasetTensorKey(kind: kind, layer: layer, head: head) }!
        return Store.floats(Data(tensor.data))
    }

    @Test("F16 bits convert to Float32 exactly (normal, subnormal, zero, max, Inf, NaN)")
    func halfConversion() {
        let cases: [(UInt16, Float)] = [
            (0x3C00, 1.0), (0xC000, -2.0), (0x3555, 0.333251953125), (0x7BFF, 65504), (0x0400, 0x1p-14),
            (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x8001, -0x1p-24), (0x0000, 0), (0x3800, 0.5),
            (0x4248, 3.140625),
        ]
        for (half, expected) in cases {
            let bits = DatasetDType.float32Bits(half: half)
            #expect(Float(bitPattern: bits) == expected, "half 0x\(String(half, radix: 16))")
        }
        #expect(DatasetDType.float32Bits(half: 0x8000) == 0x8000_0000)  // −0 keeps its sign
        #expect(DatasetDType.float32Bits(half: 0x7C00) == 0x7F80_0000)  // +Inf
        #expect(DatasetDType.float32Bits(half: 0xFC00) == 0xFF80_0000)  // −Inf
        #expect(Float(bitPattern: DatasetDType.float32Bits(half: 0x7E00)).isNaN)
        // Every finite half round-trips through Float32 (checked against the halfBits of the writer).
        for half in UInt16(0)...UInt16(0xFFFF) where half & 0x7C00 != 0x7C00 && half & 0x7C00 != 0 {
            #expect(W.halfBits(Float(bitPattern: DatasetDType.float32Bits(half: half))) == half)
        }
    }

    @Test("F16 and BF16 files convert to the hand-computed float32 values")
    func halfAndBFloatFiles() throws {
        let dir = try TemporaryDirectory()
        // F16: 1.0, −2.0, 1/3 rounded to half (0x3555), 2^−24 (the smallest subnormal).
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x0001]
        let f16Data = (0..<3).flatMap { _ in halves.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } }
        var header = "{\"__metadata__\":{\"format\":\"kvlab-caches/1\",\"coordinate_order\":\"rotate-half\"}"
        for (i, kind) in ["k", "v", "q"].enumerated() {
            header +=
                ",\"layers.0.\(kind)\":{\"dtype\":\"F16\",\"shape\":[1,1,4],\"data_offsets\":[\(8 * i),\(8 * i + 8)]}"
        }
        header += "}"
        let f16 = try Self.read(W.safetensors(header: header, data: f16Data), in: dir)
        #expect(f16.content.manifest == DatasetManifest(layers: 1, kvHeads: 1, queryHeads: 1, headDim: 4, tokens: 1))
        #expect(Self.values(f16, .k, layer: 0, head: 0) == [1.0, -2.0, 0.333251953125, 0x1p-24])
        // BF16: 1.0 (0x3F80), π rounded (0x4049 = 3.140625), −123.5 (0xC2F7), 2^−133 (0x0001, subnormal).
        let bfloats: [UInt16] = [0x3F80, 0x4049, 0xC2F7, 0x0001]
        let bf16Data = (0..<3).flatMap { _ in bfloats.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } }
        let bf16 = try Self.read(
            W.safetensors(header: header.replacingOccurrences(of: "F16", with: "BF16"), data: bf16Data), in: dir,
            name: "bf16.safetensors")
        #expect(Self.values(bf16, .v, layer: 0, head: 0) == [1.0, 3.140625, -123.5, 0x1p-133])
    }

    @Test("The same values in F32, F16, BF16, with a batch dimension, or as .npy give one content hash")
    func sameValuesSameHash() throws {
        let dir = try TemporaryDirectory()
        let tensors = W.tensors()
        let f32 = try Self.read(W.safetensors(tensors), in: dir, name: "f32.safetensors")
        let f16 = try Self.read(W.safetensors(tensors, dtype: "F16"), in: dir, name: "f16.safetensors")
        let bf16 = try Self.read(W.safetensors(tensors, dtype: "BF16"), in: dir, name: "bf16.safetensors")
        let batched = tensors.map { W.Tensor(name: $0.name, shape: [1] + $0.shape, values: $0.values) }
        let batch = try Self.read(W.safetensors(batched), in: dir, name: "batch.safetensors")
        let npyDir = dir.url.appendingPathComponent("npy")
        try W.npyDirectory(at: npyDir, tensors)
        let npy = try DatasetFile.read(path: npyDir.path)
        let npy16Dir = dir.url.appendingPathComponent("npy16")
        try W.npyDirectory(at: npy16Dir, tensors, descr: "<f2")
        let npy16 = try DatasetFile.read(path: npy16Dir.path)
        let hash = f32.content.contentHash
        for other in [f16, bf16, batch, npy, npy16] { #expect(other.content.contentHash == hash) }
        #expect(f32.content.manifest == DatasetManifest(layers: 2, kvHeads: 2, queryHeads: 4, headDim: 8, tokens: 16))
        #expect(f32.content.manifest.groupSize == 2)
        #expect(f32.content.tensors.count == 2 * (2 + 2 + 4))
        // Query head 3 of layer 1 holds its slice of layers.1.q.
        let q = tensors.first { $0.name == "layers.1.q" }!
        #expect(Self.values(f32, .q, layer: 1, head: 3) == Array(q.values[(3 * 128)..<(4 * 128)]))
    }

    @Test("The content hash is SHA-256 of the documented manifest text and tensor hashes")
    func contentHashDefinition() throws {
        let dir = try TemporaryDirectory()
        let file = try Self.read(W.safetensors(W.tensors()), in: dir)
        var text = "kvlab-dataset/1\nlayers 2\nkv_heads 2\nquery_heads 4\ngroup_size 2\nhead_dim 8\ntokens 16\n"
        for kind in ["k", "q", "v"] {
            for layer in 0..<2 {
                for head in 0..<(kind == "q" ? 4 : 2) {
                    let tensor = W.tensors().first { $0.name == "layers.\(layer).\(kind)" }!
                    let slice = Array(tensor.values[(head * 128)..<((head + 1) * 128)])
                    let sha = SHA256.hash(data: W.bytes(slice, dtype: "F32")).map { String(format: "%02x", $0) }
                        .joined()
                    text += "\(kind) \(layer) \(head) \(sha)\n"
                }
            }
        }
        let expected = SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(file.content.contentHash == expected)
        // Side metadata is not part of it.
        let withMeta = try Self.read(
            W.safetensors(
                W.tensors(),
                metadata: W.baseMetadata + [
                    ("model", "m"), ("text", "hello"),
                    ("token_ids", "[" + (0..<16).map(String.init).joined(separator: ",") + "]"),
                ]),
            in: dir, name: "meta.safetensors")
        #expect(withMeta.content.contentHash == expected)
        #expect(withMeta.metadata.model == "m" && withMeta.metadata.text == "hello")
        #expect(withMeta.metadata.tokenIDs == (0..<16).map(UInt32.init))
    }

    @Test("Interleaved K and Q become rotate-half: (2i, 2i+1) → (i, i + d/2); V is never reordered")
    func interleavedToRotateHalf() throws {
        let dir = try TemporaryDirectory()
        // By hand, d = 4: interleaved row [a0, a1, a2, a3] is stored as [a0, a2, a1, a3].
        let row: [Float] = [1, 2, 3, 4]
        let small = [
            W.Tensor(name: "layers.0.k", shape: [1, 1, 4], values: row),
            W.Tensor(name: "layers.0.v", shape: [1, 1, 4], values: row),
            W.Tensor(name: "layers.0.q", shape: [1, 1, 4], values: row),
        ]
        let interleaved = [("format", "kvlab-caches/1"), ("coordinate_order", "interleaved")]
        let file = try Self.read(W.safetensors(small, metadata: interleaved), in: dir)
        #expect(Self.values(file, .k, layer: 0, head: 0) == [1, 3, 2, 4])
        #expect(Self.values(file, .q, layer: 0, head: 0) == [1, 3, 2, 4])
        #expect(Self.values(file, .v, layer: 0, head: 0) == [1, 2, 3, 4])
        #expect(file.sourceCoordinateOrder == "interleaved")
        // A whole dataset written interleaved imports to the hash of its rotate-half original.
        let original = W.tensors()
        let reordered = original.map { t in
            t.name.hasSuffix(".v") ? t : W.Tensor(name: t.name, shape: t.shape, values: W.interleave(t.values, d: 8))
        }
        let a = try Self.read(W.safetensors(original), in: dir, name: "a.safetensors")
        let b = try Self.read(W.safetensors(reordered, metadata: interleaved), in: dir, name: "b.safetensors")
        #expect(a.content.contentHash == b.content.contentHash)
        // The interleaved file read as if it were rotate-half is other content.
        let c = try Self.read(W.safetensors(reordered), in: dir, name: "c.safetensors")
        #expect(c.content.contentHash != a.content.contentHash)
    }

    /// Reads bytes that must be refused; returns the error.
    static func refused(_ bytes: [UInt8], name: String = "bad.safetensors") throws -> DatasetError {
        let dir = try TemporaryDirectory()
        let path = dir.path(name)
        try W.write(bytes, to: path)
        do {
            _ = try DatasetFile.read(path: path)
        } catch {
            #expect(error.description.hasPrefix(path), "\(error)")
            return error
        }
        Issue.record("\(name) was accepted")
        return .missingFile(path: "")
    }

    /// Expects an invalid-file error naming a tensor and containing a phrase.
    static func expectInvalid(
        _ error: DatasetError, tensor: String?, _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .invalidFile(_, let named, let reason) = error else {
            Issue.record("not an invalid-file error: \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(named == tensor, "\(error)", sourceLocation: sourceLocation)
        #expect(reason.contains(phrase), "\(error)", sourceLocation: sourceLocation)
        #expect(error.isBadInput, sourceLocation: sourceLocation)
    }

    /// The standard tensors with one replaced (or removed, when `with` is nil).
    static func replacing(_ name: String, with tensor: W.Tensor?) -> [W.Tensor] {
        W.tensors().compactMap { $0.name == name ? tensor : $0 }
    }

    @Test("Wrong shapes, head counts, tokens or head dims are refused naming the tensor")
    func badShapes() throws {
        let flat = W.Tensor(name: "layers.1.v", shape: [2 * 16, 8], values: W.tensors()[4].values)
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.1.v", with: flat))), tensor: "layers.1.v",
            "is not [heads, T, d]")
        let batch2 = W.Tensor(name: "layers.0.k", shape: [2, 1, 16, 8], values: W.tensors()[0].values)
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.0.k", with: batch2))), tensor: "layers.0.k",
            "is not [heads, T, d]")
        var three = W.Shape()
        three.kvHeads = 3
        let k3 = W.tensors(three).first { $0.name == "layers.1.k" }!
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.1.k", with: k3))), tensor: "layers.1.k",
            "has 3 KV heads")
        var fewerQ = W.Shape()
        fewerQ.queryHeads = 3
        let q3 = W.tensors(fewerQ).first { $0.name == "layers.1.q" }!
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.1.q", with: q3))), tensor: "layers.1.q",
            "has 3 query heads")
        // Query heads not a multiple of KV heads, in every layer.
        let odd = W.tensors(fewerQ)
        Self.expectInvalid(
            try Self.refused(W.safetensors(odd)), tensor: "layers.0.q", "not a multiple of the 2 KV heads")
        var shorter = W.Shape()
        shorter.tokens = 15
        let v15 = W.tensors(shorter).first { $0.name == "layers.0.v" }!
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.0.v", with: v15))), tensor: "layers.0.v",
            "has 15 tokens")
        var narrow = W.Shape()
        narrow.headDim = 4
        let q4 = W.tensors(narrow).first { $0.name == "layers.1.q" }!
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.1.q", with: q4))), tensor: "layers.1.q",
            "has head dim 4")
        // An odd head dim cannot be interleaved.
        var oddD = W.Shape()
        oddD.headDim = 5
        Self.expectInvalid(
            try Self.refused(
                W.safetensors(
                    W.tensors(oddD), metadata: [("format", "kvlab-caches/1"), ("coordinate_order", "interleaved")])),
            tensor: "layers.0.k", "odd")
    }

    @Test("A missing layer, a missing kind or an unexpected tensor is refused naming it")
    func missingLayers() throws {
        var three = W.Shape()
        three.layers = 3
        let gap = W.tensors(three).filter { !$0.name.hasPrefix("layers.1.") }
        Self.expectInvalid(try Self.refused(W.safetensors(gap)), tensor: "layers.1.k", "is missing")
        Self.expectInvalid(
            try Self.refused(W.safetensors(Self.replacing("layers.1.v", with: nil))), tensor: "layers.1.v", "is missing"
        )
        let extra = W.tensors() + [W.Tensor(name: "layers.0.o", shape: [1], values: [0])]
        Self.expectInvalid(try Self.refused(W.safetensors(extra)), tensor: "layers.0.o", "unexpected tensor")
        let padded = W.tensors().map {
            W.Tensor(
                name: $0.name.replacingOccurrences(of: "layers.1.", with: "layers.01."), shape: $0.shape,
                values: $0.values)
        }
        Self.expectInvalid(try Self.refused(W.safetensors(padded)), tensor: "layers.01.k", "unexpected tensor")
        Self.expectInvalid(try Self.refused(W.safetensors([])), tensor: nil, "no tensors")
    }

    @Test("NaN and ±Inf values are refused naming the tensor, head, token and coordinate")
    func nonFinite() throws {
        for (bad, text) in [(Float.nan, "NaN"), (Float.infinity, "inf"), (-Float.infinity, "-inf")] {
            var tensors = W.tensors()
            tensors[5].values[3 * 128 + 2 * 8 + 1] = bad  // layers.1.q, head 3, token 2, coordinate 1
            Self.expectInvalid(
                try Self.refused(W.safetensors(tensors)), tensor: "layers.1.q",
                "value \(text) at head 3, token 2, coordinate 1")
        }
        // An F16 infinity (0x7C00) too.
        let tensors = W.tensors()
        var parts = W.safetensorsParts(tensors, dtype: "F16")
        parts.data[2 * 10] = 0x00
        parts.data[2 * 10 + 1] = 0x7C
        Self.expectInvalid(
            try Self.refused(W.safetensors(header: parts.header, data: parts.data)), tensor: "layers.0.k",
            "value inf at head 0, token 1, coordinate 2")
    }

    @Test("Truncated files, unknown dtypes and headers that lie about offsets are refused")
    func badHeaders() throws {
        let good = W.safetensors(W.tensors())
        Self.expectInvalid(try Self.refused(Array(good.dropLast(100))), tensor: "layers.1.q", "reach past the end")
        Self.expectInvalid(try Self.refused(Array(good.prefix(5))), tensor: nil, "truncated")
        Self.expectInvalid(try Self.refused(Array(good.prefix(40))), tensor: nil, "truncated: the header length")
        Self.expectInvalid(try Self.refused(good + [0, 0, 0, 0]), tensor: nil, "4 bytes after the last tensor")
        Self.expectInvalid(try Self.refused(Array("not a safetensors file at all".utf8)), tensor: nil, "header length")
        let parts = W.safetensorsParts(W.tensors())
        func lying(_ from: String, _ to: String) -> [UInt8] {
            #expect(parts.header.contains(from))
            return W.safetensors(header: parts.header.replacingOccurrences(of: from, with: to), data: parts.data)
        }
        Self.expectInvalid(
            try Self.refused(lying("\"F32\"", "\"F64\"")), tensor: "layers.0.k", "dtype F64 is not supported")
        Self.expectInvalid(
            try Self.refused(lying("\"dtype\":\"F32\",\"shape\":[2,16,8]", "\"dtype\":\"I8\",\"shape\":[2,16,8]")),
            tensor: "layers.0.k", "dtype I8")
        // layers.0.k holds bytes 0…1024; layers.0.v 1024…2048.
        Self.expectInvalid(try Self.refused(lying("[1024,2048]", "[1000,2024]")), tensor: "layers.0.v", "overlap")
        Self.expectInvalid(try Self.refused(lying("[0,1024]", "[0,1000]")), tensor: "layers.0.k", "hold 1000 bytes")
        Self.expectInvalid(
            try Self.refused(lying("[1024,2048]", "[1024,999999]")), tensor: "layers.0.v", "reach past the end")
        Self.expectInvalid(try Self.refused(lying("[1024,2048]", "[2048,1024]")), tensor: "layers.0.v", "end before")
        Self.expectInvalid(try Self.refused(lying("[1024,2048]", "[1024]")), tensor: "layers.0.v", "no data_offsets")
        Self.expectInvalid(try Self.refused(lying("\"layers.0.v\"", "\"layers.0.k\"")), tensor: nil, "appears twice")
        Self.expectInvalid(
            try Self.refused(lying("{\"__metadata__\"", "[{\"__metadata__\"")), tensor: nil, "not valid JSON")
    }

    @Test("Metadata: format and coordinate_order are required, unknown keys and bad token ids are refused")
    func badMetadata() throws {
        let t = W.tensors()
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: nil)), tensor: "__metadata__ format", "is missing")
        Self.expectInvalid(
            try Self.refused(
                W.safetensors(t, metadata: [("format", "kvlab-caches/2"), ("coordinate_order", "rotate-half")])),
            tensor: "__metadata__ format", "kvlab-caches/2")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: [("format", "kvlab-caches/1")])),
            tensor: "__metadata__ coordinate_order", "is missing")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: [("format", "kvlab-caches/1"), ("coordinate_order", "gptj")])),
            tensor: "__metadata__ coordinate_order", "gptj")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: W.baseMetadata + [("modle", "x")])),
            tensor: "__metadata__ modle", "unknown metadata key")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: W.baseMetadata + [("token_ids", "[1,2,3]")])),
            tensor: "__metadata__ token_ids", "holds 3 ids but the tensors have T = 16")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: W.baseMetadata + [("token_ids", "[1.5]")])),
            tensor: "__metadata__ token_ids", "element 0")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: W.baseMetadata + [("token_ids", "1,2")])),
            tensor: "__metadata__ token_ids", "not a JSON array")
        Self.expectInvalid(
            try Self.refused(W.safetensors(t, metadata: W.baseMetadata + [("model_sha256", "abc")])),
            tensor: "__metadata__ model_sha256", "64 hex digits")
        let parts = W.safetensorsParts(t)
        let numeric = parts.header.replacingOccurrences(of: "\"rotate-half\"", with: "7")
        Self.expectInvalid(
            try Self.refused(W.safetensors(header: numeric, data: parts.data)), tensor: "__metadata__",
            "safetensors metadata are strings")
    }

    @Test(".npy directories: bad arrays and metadata are refused naming the file")
    func badNPY() throws {
        let dir = try TemporaryDirectory()
        func refusedDirectory(_ setup: (URL) throws -> Void) throws -> DatasetError {
            let url = dir.url.appendingPathComponent(UUID().uuidString)
            try W.npyDirectory(at: url, W.tensors())
            try setup(url)
            do {
                _ = try DatasetFile.read(path: url.path)
            } catch {
                return error
            }
            Issue.record("accepted")
            return .missingFile(path: "")
        }
        let k = W.tensors()[0]
        var e = try refusedDirectory { url in
            try W.write(
                Array(W.npy(shape: k.shape, values: k.values).dropLast(8)),
                to: url.appendingPathComponent("layers.0.k.npy").path)
        }
        Self.expectInvalid(e, tensor: "layers.0.k", "truncated")
        e = try refusedDirectory { url in
            var bytes = W.npy(shape: k.shape, values: k.values)
            let at = bytes.indices.first { bytes[$0...].starts(with: Array("<f4".utf8)) }!
            bytes[at] = UInt8(ascii: ">")
            try W.write(bytes, to: url.appendingPathComponent("layers.0.k.npy").path)
        }
        Self.expectInvalid(e, tensor: "layers.0.k", "big-endian")
        e = try refusedDirectory { url in
            try W.write(
                W.npy(shape: k.shape, descr: "<f8", values: k.values + k.values),
                to: url.appendingPathComponent("layers.0.k.npy").path)
        }
        Self.expectInvalid(e, tensor: "layers.0.k", "dtype <f8 is not supported")
        e = try refusedDirectory { url in
            try W.write(
                W.npy(shape: k.shape, values: k.values, fortran: true),
                to: url.appendingPathComponent("layers.0.k.npy").path)
        }
        Self.expectInvalid(e, tensor: "layers.0.k", "Fortran order")
        e = try refusedDirectory { url in
            try FileManager.default.removeItem(at: url.appendingPathComponent("layers.1.q.npy"))
        }
        Self.expectInvalid(e, tensor: "layers.1.q", "is missing")
        e = try refusedDirectory { url in
            try FileManager.default.removeItem(at: url.appendingPathComponent("metadata.json"))
        }
        Self.expectInvalid(e, tensor: nil, "no metadata.json")
        e = try refusedDirectory { url in
            try Data("{\"format\": \"kvlab-caches/1\"".utf8).write(to: url.appendingPathComponent("metadata.json"))
        }
        Self.expectInvalid(e, tensor: nil, "invalid JSON")
        // token_ids may be a JSON array in metadata.json.
        let url = dir.url.appendingPathComponent("ids")
        let ids = "[" + (0..<16).map { String($0 * 1000) }.joined(separator: ", ") + "]"
        try W.npyDirectory(
            at: url, W.tensors(),
            metadataJSON:
                "{\"format\": \"kvlab-caches/1\", \"coordinate_order\": \"rotate-half\", \"token_ids\": \(ids)}")
        #expect(try DatasetFile.read(path: url.path).metadata.tokenIDs == (0..<16).map { UInt32($0 * 1000) })
        // A missing path.
        #expect(throws: DatasetError.missingFile(path: dir.path("nothing.safetensors"))) {
            try DatasetFile.read(path: dir.path("nothing.safetensors"))
        }
    }

    @Test("Token ids hash as little-endian uint32")
    func tokenIDsHash() {
        let bytes: [UInt8] = [1, 0, 0, 0, 0x10, 0x27, 0, 0, 0xff, 0xff, 0xff, 0xff]
        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(DatasetMetadata.sha256(tokenIDs: [1, 10000, UInt32.max]) == expected)
        #expect(DatasetMetadata(tokenIDs: [1, 2]).tokenIDsJSON == "[1,2]")
    }
}
