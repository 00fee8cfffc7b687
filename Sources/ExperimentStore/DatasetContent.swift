import Crypto
import Foundation

/// The kind of a dataset tensor: keys, values or queries.
public enum DatasetTensorKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// K of a KV head, after RoPE, in rotate-half order.
    case k
    /// V of a KV head (no RoPE, never reordered).
    case v
    /// Q of a query head, after RoPE, in rotate-half order.
    case q

    /// Byte order of the names (k < q < v), as SQLite's `ORDER BY kind` sorts them.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which tensor of a dataset: (kind, layer, head); `head` is a KV head for K and V, a query head for Q.
public struct DatasetTensorKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: DatasetTensorKind
    public var layer: Int
    public var head: Int

    /// Creates a key.
    public init(kind: DatasetTensorKind, layer: Int, head: Int) {
        self.kind = kind
        self.layer = layer
        self.head = head
    }

    /// The content-hash order: kind (k, q, v), then layer, then head.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.kind.rawValue, lhs.layer, lhs.head) < (rhs.kind.rawValue, rhs.layer, rhs.head)
    }

    /// `layers.L.KIND[head]`, the file tensor name with the head.
    public var description: String { "layers.\(layer).\(kind.rawValue)[\(head)]" }
}

/// The structural manifest of a dataset: what its content hash covers besides the tensors.
public struct DatasetManifest: Sendable, Hashable {
    /// Number of layers L.
    public var layers: Int
    /// KV heads per layer.
    public var kvHeads: Int
    /// Query heads per layer (a multiple of ``kvHeads``).
    public var queryHeads: Int
    /// Head dimension d.
    public var headDim: Int
    /// Tokens T (rows of every tensor).
    public var tokens: Int

    /// Creates a manifest.
    public init(layers: Int, kvHeads: Int, queryHeads: Int, headDim: Int, tokens: Int) {
        self.layers = layers
        self.kvHeads = kvHeads
        self.queryHeads = queryHeads
        self.headDim = headDim
        self.tokens = tokens
    }

    /// G = query heads / KV heads: query head j reads KV head j / G.
    public var groupSize: Int { kvHeads > 0 ? queryHeads / kvHeads : 0 }

    /// Every tensor key of a complete dataset, in content-hash order.
    public var tensorKeys: [DatasetTensorKey] {
        var keys: [DatasetTensorKey] = []
        for kind in DatasetTensorKind.allCases.sorted() {
            let heads = kind == .q ? queryHeads : kvHeads
            for layer in 0..<layers {
                for head in 0..<heads { keys.append(DatasetTensorKey(kind: kind, layer: layer, head: head)) }
            }
        }
        return keys
    }

    /// Bytes of one tensor's blob: T × d float32 values.
    public var tensorBytes: Int { tokens * headDim * 4 }

    /// The text hashed first by the content hash (docs/SCHEMA.md "Dataset identity").
    public var canonicalText: String {
        "kvlab-dataset/1\nlayers \(layers)\nkv_heads \(kvHeads)\nquery_heads \(queryHeads)\n"
            + "group_size \(groupSize)\nhead_dim \(headDim)\ntokens \(tokens)\n"
    }

    /// The content hash of a dataset with this manifest and these tensor hashes.
    ///
    /// - Parameter tensorHashes: the SHA-256 of every tensor's blob, by key (all of ``tensorKeys``).
    /// - Returns: lowercase hex SHA-256 of ``canonicalText`` followed by `KIND LAYER HEAD SHA256\n` per
    ///   tensor in (kind, layer, head) order.
    public func contentHash(tensorHashes: [DatasetTensorKey: String]) -> String {
        var text = canonicalText
        for key in tensorKeys {
            text += "\(key.kind.rawValue) \(key.layer) \(key.head) \(tensorHashes[key] ?? "")\n"
        }
        return Hex.sha256(text.utf8)
    }
}

/// Side metadata of a dataset: stored beside it, outside its content hash.
public struct DatasetMetadata: Sendable, Hashable {
    /// The model's name (e.g. a Hugging Face id).
    public var model: String?
    /// SHA-256 of the model file (GGUF), lowercase hex.
    public var modelSHA256: String?
    /// The T token ids the model read.
    public var tokenIDs: [UInt32]?
    /// The text the model read.
    public var text: String?

    /// Creates metadata.
    public init(model: String? = nil, modelSHA256: String? = nil, tokenIDs: [UInt32]? = nil, text: String? = nil) {
        self.model = model
        self.modelSHA256 = modelSHA256
        self.tokenIDs = tokenIDs
        self.text = text
    }

    /// SHA-256 of the token ids as little-endian uint32 (nil without token ids).
    public var tokenIDsSHA256: String? { tokenIDs.map(DatasetMetadata.sha256(tokenIDs:)) }

    /// The token ids as a compact JSON array (`[1,2,3]`), as stored and exported.
    public var tokenIDsJSON: String? { tokenIDs.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } }

    /// SHA-256 of token ids as little-endian uint32.
    public static func sha256(tokenIDs: [UInt32]) -> String {
        Hex.sha256(littleEndianBytes(tokenIDs: tokenIDs))
    }

    /// Token ids as little-endian uint32 bytes (what their SHA-256 is of, and how `texts` stores them).
    static func littleEndianBytes(tokenIDs: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokenIDs.count * 4)
        for id in tokenIDs {
            bytes += [UInt8(id & 0xff), UInt8((id >> 8) & 0xff), UInt8((id >> 16) & 0xff), UInt8(id >> 24)]
        }
        return bytes
    }

    /// The keys that are set, with their values as text (as in the file format), in a fixed order.
    public var entries: [(key: String, value: String)] {
        var out: [(String, String)] = []
        if let model { out.append(("model", model)) }
        if let modelSHA256 { out.append(("model_sha256", modelSHA256)) }
        if let json = tokenIDsJSON { out.append(("token_ids", json)) }
        if let text { out.append(("text", text)) }
        return out
    }
}

/// One tensor of a dataset as stored: T × d float32 little-endian, row-major, and its SHA-256.
public struct DatasetTensor: Sendable, Equatable {
    /// Which tensor.
    public var key: DatasetTensorKey
    /// The blob.
    public var data: [UInt8]
    /// Lowercase hex SHA-256 of ``data``.
    public var sha256: String

    /// Creates a tensor from its blob, hashing it.
    public init(key: DatasetTensorKey, data: [UInt8]) {
        self.key = key
        self.data = data
        self.sha256 = Hex.encode(SHA256.hash(data: data))
    }
}

/// A dataset's manifest and all its tensors, ready to store: the result of reading a file.
public struct DatasetContent: Sendable {
    /// The structure.
    public var manifest: DatasetManifest
    /// Every tensor, in content-hash order.
    public var tensors: [DatasetTensor]
    /// The content hash (docs/SCHEMA.md "Dataset identity").
    public let contentHash: String

    /// Creates content from a manifest and its complete set of tensors (in any order).
    ///
    /// - Precondition: the tensors are exactly the manifest's ``DatasetManifest/tensorKeys``, each T × d.
    public init(manifest: DatasetManifest, tensors: [DatasetTensor]) {
        self.manifest = manifest
        self.tensors = tensors.sorted { $0.key < $1.key }
        precondition(self.tensors.map(\.key) == manifest.tensorKeys, "dataset tensors do not match the manifest")
        precondition(self.tensors.allSatisfy { $0.data.count == manifest.tensorBytes }, "dataset tensor size")
        contentHash = manifest.contentHash(
            tensorHashes: Dictionary(uniqueKeysWithValues: self.tensors.map { ($0.key, $0.sha256) }))
    }
}

/// A stored dataset: its name, identity, manifest and side metadata (``Store/datasets(in:)``).
public struct DatasetRecord: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The content hash.
    public var contentHash: String
    /// The structure.
    public var manifest: DatasetManifest
    /// Coordinate order of K and Q as stored (always `rotate-half`).
    public var coordinateOrder: String
    /// Side metadata.
    public var metadata: DatasetMetadata
    /// The importing process's provenance row.
    public var provenanceID: Int64?
    /// When it was imported (Unix epoch seconds).
    public var createdAt: Double

    /// Creates a record.
    public init(
        name: String, contentHash: String, manifest: DatasetManifest, coordinateOrder: String = "rotate-half",
        metadata: DatasetMetadata, provenanceID: Int64?, createdAt: Double
    ) {
        self.name = name
        self.contentHash = contentHash
        self.manifest = manifest
        self.coordinateOrder = coordinateOrder
        self.metadata = metadata
        self.provenanceID = provenanceID
        self.createdAt = createdAt
    }
}

/// What ``Store/importDataset(_:metadata:name:provenance:)`` did.
public enum DatasetImportOutcome: Sendable, Equatable {
    /// A new dataset was stored.
    case created
    /// The same content was already stored under this name; these side-metadata keys were filled.
    case filled([String])
    /// The same content and metadata were already stored under this name: nothing changed.
    case unchanged
}

extension DatasetContent {
    /// Content from float32 tensors in memory (K and Q in rotate-half order), e.g. a model's captured caches.
    ///
    /// - Parameters:
    ///   - manifest: the structure.
    ///   - values: the T × d values of each tensor the manifest lists.
    public init(manifest: DatasetManifest, values: (DatasetTensorKey) -> [Float]) {
        self.init(
            manifest: manifest,
            tensors: manifest.tensorKeys.map { key in
                var bytes: [UInt8] = []
                bytes.reserveCapacity(manifest.tensorBytes)
                for value in values(key) {
                    let bits = value.bitPattern.littleEndian
                    withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
                }
                return DatasetTensor(key: key, data: bytes)
            })
    }
}

/// The SHA-256 of a file, read in blocks (a model file is hundreds of megabytes).
public enum FileDigest {
    /// The lowercase hex SHA-256 of the file at `path`.
    ///
    /// - Throws: the error of opening or reading it.
    public static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 22), !block.isEmpty { hasher.update(data: block) }
        return Hex.encode(hasher.finalize())
    }
}
