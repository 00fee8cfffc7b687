import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dataset read from a file, checked and converted, ready for ``Store/importDataset(_:name:provenance:)``.
public struct DatasetFile: Sendable {
    /// The manifest and the tensors as they will be stored (float32, K and Q in rotate-half order).
    public var content: DatasetContent
    /// The side metadata of the file.
    public var metadata: DatasetMetadata
    /// The file's coordinate order (`rotate-half` or `interleaved`; K and Q are stored in rotate-half).
    public var sourceCoordinateOrder: String

    /// The `format` metadata value of the import/export format.
    public static let format = "kvlab-caches/1"

    /// A dataset from content already in memory (a model capture), with its side metadata.
    public init(content: DatasetContent, metadata: DatasetMetadata, sourceCoordinateOrder: String = "rotate-half") {
        self.content = content
        self.metadata = metadata
        self.sourceCoordinateOrder = sourceCoordinateOrder
    }

    /// The metadata keys of the format.
    public static let metadataKeys = ["format", "coordinate_order", "model", "model_sha256", "token_ids", "text"]

    /// Reads a dataset: a `.safetensors` file, or a directory of `layers.{l}.{k,v,q}.npy` files with a
    /// `metadata.json` (README "Datasets").
    ///
    /// Every tensor is converted to float32 (F16 and BF16 exactly) and checked: names `layers.{l}.k|v|q` for
    /// every layer 0…L−1 and nothing else; K and V of shape [kv_heads, T, d], Q of [query_heads, T, d] (a
    /// leading batch dimension of 1 is accepted) with the same counts in every layer and query_heads a
    /// multiple of kv_heads; every value finite. K and Q of an `interleaved` file are reordered to
    /// rotate-half: the pair (2i, 2i+1) becomes (i, i + d/2).
    ///
    /// - Parameter path: the file or directory.
    /// - Returns: the content and metadata.
    /// - Throws: ``DatasetError`` naming the file and the tensor at fault.
    public static func read(path: String) throws(DatasetError) -> DatasetFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missingFile(path: path)
        }
        if isDirectory.boolValue { return try readNPYDirectory(path) }
        let bytes = try readBytes(path)
        let (metadata, entries) = try DatasetSafetensors.parse(bytes, path: path)
        let tensors = entries.map {
            SourceTensor(name: $0.name, path: path, dtype: $0.dtype, shape: $0.shape, storage: bytes, offset: $0.begin)
        }
        return try assemble(path: path, tensors: tensors, metadata: metadata)
    }

    /// A tensor of a file, before checks and conversion.
    struct SourceTensor {
        /// `layers.L.KIND`.
        var name: String
        /// The file holding it (the `.npy` file, or the safetensors file).
        var path: String
        var dtype: DatasetDType
        var shape: [Int]
        /// The bytes holding the data (the whole file) and where the data starts.
        var storage: [UInt8]
        var offset: Int
    }

    /// Reads a directory of `.npy` files and its `metadata.json`.
    private static func readNPYDirectory(_ path: String) throws(DatasetError) -> DatasetFile {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw .unreadable(path: path, reason: FileErrorText.reason(error))
        }
        let metadataPath = path + "/metadata.json"
        guard names.contains("metadata.json") else {
            throw .invalidFile(
                path: path, tensor: nil,
                reason: "no metadata.json (a directory of .npy files needs one with at least format and "
                    + "coordinate_order)")
        }
        let metadataBytes = try readBytes(metadataPath)
        let json: DatasetJSON
        do {
            json = try DatasetJSON.parse(metadataBytes)
        } catch {
            throw .invalidFile(path: metadataPath, tensor: nil, reason: error.description)
        }
        guard let metadata = json.members else {
            throw .invalidFile(path: metadataPath, tensor: nil, reason: "is \(json.typeName), not an object")
        }
        var tensors: [SourceTensor] = []
        for name in names where name.hasSuffix(".npy") {
            let file = path + "/" + name
            let tensor = String(name.dropLast(4))
            let bytes = try readBytes(file)
            let array = try DatasetNPY.parse(bytes, path: file, name: tensor)
            tensors.append(
                SourceTensor(
                    name: tensor, path: file, dtype: array.dtype, shape: array.shape, storage: bytes,
                    offset: array.dataStart))
        }
        return try assemble(path: path, tensors: tensors, metadata: metadata, metadataPath: metadataPath)
    }

    /// The whole content of a regular file.
    static func readBytes(_ path: String) throws(DatasetError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .missingFile(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .invalidFile(path: path, tensor: nil, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        var short = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var offset = 0
            while offset < size {
                #if canImport(Glibc)
                    let n = Glibc.read(fd, buffer.baseAddress! + offset, size - offset)
                #else
                    let n = Darwin.read(fd, buffer.baseAddress! + offset, size - offset)
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 {
                    short = true
                    break
                }
                offset += n
            }
            count = offset
        }
        if failure != 0 { throw .unreadable(path: path, reason: String(cString: strerror(failure))) }
        if short { throw .unreadable(path: path, reason: "the file shrank while it was read") }
        return bytes
    }

    /// Checks names, shapes, metadata and values, and converts the tensors (see ``read(path:)``).
    static func assemble(
        path: String, tensors: [SourceTensor], metadata entries: [(key: String, value: DatasetJSON)],
        metadataPath: String? = nil
    ) throws(DatasetError) -> DatasetFile {
        let metadataFile = metadataPath ?? path
        let metadataLabel = metadataPath == nil ? "__metadata__" : nil
        func invalidMetadata(_ key: String, _ reason: String) -> DatasetError {
            .invalidFile(
                path: metadataFile, tensor: metadataLabel.map { "\($0) \(key)" } ?? key, reason: reason)
        }
        var values: [String: DatasetJSON] = [:]
        for (key, value) in entries {
            guard metadataKeys.contains(key) else {
                throw invalidMetadata(
                    key, "unknown metadata key (\(DatasetFile.format) has \(metadataKeys.joined(separator: ", ")))")
            }
            values[key] = value
        }
        func string(_ key: String) throws(DatasetError) -> String? {
            guard let value = values[key] else { return nil }
            guard case .string(let text) = value else {
                throw invalidMetadata(key, "is \(value.typeName), not a string")
            }
            return text
        }
        guard let format = try string("format") else {
            throw invalidMetadata("format", "is missing; a kvlab dataset file has format = \(DatasetFile.format)")
        }
        guard format == DatasetFile.format else {
            throw invalidMetadata("format", "is '\(format)'; this kvlab reads \(DatasetFile.format)")
        }
        guard let order = try string("coordinate_order") else {
            throw invalidMetadata(
                "coordinate_order", "is missing: say rotate-half (Hugging Face's RoPE layout) or interleaved")
        }
        guard order == "rotate-half" || order == "interleaved" else {
            throw invalidMetadata("coordinate_order", "is '\(order)', not rotate-half or interleaved")
        }
        var metadata = DatasetMetadata()
        metadata.model = try string("model")
        metadata.text = try string("text")
        if let hash = try string("model_sha256") {
            let lower = hash.lowercased()
            guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            else { throw invalidMetadata("model_sha256", "'\(hash)' is not a SHA-256 (64 hex digits)") }
            metadata.modelSHA256 = lower
        }
        if let ids = values["token_ids"] {
            metadata.tokenIDs = try tokenIDs(ids, metadataPath: metadataPath, fail: invalidMetadata)
        }

        // Names: layers.{l}.{k,v,q}, each once, layers 0…L−1 all present.
        var byKey: [DatasetTensorKey: SourceTensor] = [:]
        var layerCount = 0
        for tensor in tensors {
            guard let (layer, kind) = parseName(tensor.name) as (Int, DatasetTensorKind)? else {
                throw .invalidFile(
                    path: tensor.path, tensor: tensor.name,
                    reason: "unexpected tensor: a dataset holds layers.{l}.k, layers.{l}.v and layers.{l}.q only")
            }
            byKey[DatasetTensorKey(kind: kind, layer: layer, head: 0)] = tensor
            layerCount = max(layerCount, layer + 1)
        }
        guard layerCount > 0 else {
            throw .invalidFile(
                path: path, tensor: nil, reason: "no tensors (expected layers.0.k, layers.0.v, layers.0.q, …)")
        }
        for layer in 0..<layerCount {
            for kind in [DatasetTensorKind.k, .v, .q]
            where byKey[DatasetTensorKey(kind: kind, layer: layer, head: 0)] == nil {
                throw .invalidFile(
                    path: path, tensor: "layers.\(layer).\(kind.rawValue)",
                    reason: "is missing (the file has layers up to \(layerCount - 1); every layer needs k, v and q)")
            }
        }

        // Shapes: [heads, T, d] or [1, heads, T, d]; the first layer's K and Q set the counts.
        func dims(_ tensor: SourceTensor) throws(DatasetError) -> [Int] {
            var shape = tensor.shape
            if shape.count == 4, shape[0] == 1 { shape.removeFirst() }
            guard shape.count == 3 else {
                throw .invalidFile(
                    path: tensor.path, tensor: tensor.name,
                    reason: "shape \(tensor.shape) is not [heads, T, d] (or [1, heads, T, d])")
            }
            return shape
        }
        let first = try dims(byKey[DatasetTensorKey(kind: .k, layer: 0, head: 0)]!)
        let firstQ = try dims(byKey[DatasetTensorKey(kind: .q, layer: 0, head: 0)]!)
        let manifest = DatasetManifest(
            layers: layerCount, kvHeads: first[0], queryHeads: firstQ[0], headDim: first[2], tokens: first[1])
        for kind in [DatasetTensorKind.k, .v, .q] {
            for layer in 0..<layerCount {
                let tensor = byKey[DatasetTensorKey(kind: kind, layer: layer, head: 0)]!
                let shape = try dims(tensor)
                let heads = kind == .q ? manifest.queryHeads : manifest.kvHeads
                let what = kind == .q ? "query heads" : "KV heads"
                func fail(_ reason: String) -> DatasetError {
                    .invalidFile(path: tensor.path, tensor: tensor.name, reason: reason)
                }
                if shape[0] != heads {
                    throw fail(
                        "has \(shape[0]) \(what) (shape \(tensor.shape)) but layers.0.\(kind.rawValue) has \(heads)")
                }
                if shape[1] != manifest.tokens {
                    throw fail("has \(shape[1]) tokens (shape \(tensor.shape)) but layers.0.k has \(manifest.tokens)")
                }
                if shape[2] != manifest.headDim {
                    throw fail(
                        "has head dim \(shape[2]) (shape \(tensor.shape)) but layers.0.k has \(manifest.headDim)")
                }
            }
        }
        let qName = "layers.0.q"
        guard manifest.kvHeads >= 1, manifest.queryHeads >= 1 else {
            throw .invalidFile(path: path, tensor: "layers.0.k", reason: "has no heads")
        }
        guard manifest.queryHeads % manifest.kvHeads == 0 else {
            throw .invalidFile(
                path: byKey[DatasetTensorKey(kind: .q, layer: 0, head: 0)]!.path, tensor: qName,
                reason: "\(manifest.queryHeads) query heads are not a multiple of the \(manifest.kvHeads) KV heads "
                    + "(grouped-query attention needs query_heads = G × kv_heads)")
        }
        guard manifest.tokens >= 1 else {
            throw .invalidFile(path: path, tensor: "layers.0.k", reason: "has no tokens (T = 0)")
        }
        guard manifest.headDim >= 2 else {
            throw .invalidFile(path: path, tensor: "layers.0.k", reason: "head dim \(manifest.headDim) is below 2")
        }
        if order == "interleaved", manifest.headDim % 2 != 0 {
            throw .invalidFile(
                path: path, tensor: "layers.0.k",
                reason: "head dim \(manifest.headDim) is odd: an interleaved (RoPE pair) order needs an even d")
        }
        if let ids = metadata.tokenIDs, ids.count != manifest.tokens {
            throw invalidMetadata(
                "token_ids", "holds \(ids.count) ids but the tensors have T = \(manifest.tokens) tokens")
        }

        // Values: converted to float32, checked finite, K and Q reordered from interleaved.
        var out: [DatasetTensor] = []
        out.reserveCapacity(manifest.layers * (2 * manifest.kvHeads + manifest.queryHeads))
        for (key, tensor) in byKey.sorted(by: { $0.key < $1.key }) {
            let heads = key.kind == .q ? manifest.queryHeads : manifest.kvHeads
            let reorder = order == "interleaved" && key.kind != .v
            for head in 0..<heads {
                let blob = try convert(tensor, head: head, manifest: manifest, reorder: reorder)
                out.append(
                    DatasetTensor(key: DatasetTensorKey(kind: key.kind, layer: key.layer, head: head), data: blob))
            }
        }
        return DatasetFile(
            content: DatasetContent(manifest: manifest, tensors: out), metadata: metadata, sourceCoordinateOrder: order)
    }

    /// `layers.L.KIND` → (L, KIND), with L in canonical decimal.
    static func parseName(_ name: String) -> (Int, DatasetTensorKind)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "layers", let kind = DatasetTensorKind(rawValue: String(parts[2])),
            !parts[1].isEmpty, parts[1].utf8.allSatisfy({ (48...57).contains($0) }),
            parts[1] == "0" || parts[1].first != "0", parts[1].count <= 6, let layer = Int(parts[1])
        else { return nil }
        return (layer, kind)
    }

    /// The token ids of the metadata: a string holding a JSON array of integers in 0…2³²−1 (in
    /// `metadata.json` the array itself is accepted too).
    private static func tokenIDs(
        _ value: DatasetJSON, metadataPath: String?, fail: (String, String) -> DatasetError
    ) throws(DatasetError) -> [UInt32] {
        var array: DatasetJSON
        switch value {
        case .string(let text):
            do {
                array = try DatasetJSON.parse(Array(text.utf8))
            } catch {
                throw fail("token_ids", "is not a JSON array (\(error.description))")
            }
        case .array where metadataPath != nil:
            array = value
        default:
            throw fail("token_ids", "is \(value.typeName), not a JSON array in a string")
        }
        guard case .array(let elements) = array else {
            throw fail("token_ids", "is \(array.typeName), not a JSON array of token ids")
        }
        var ids: [UInt32] = []
        ids.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard let id = element.nonNegativeInteger, id <= UInt64(UInt32.max) else {
                throw fail("token_ids", "element \(i) is not a token id (an integer in 0…4294967295)")
            }
            ids.append(UInt32(id))
        }
        return ids
    }

    /// One head of a source tensor as a stored blob: float32 little-endian, T × d, checked finite, K and Q
    /// reordered from interleaved to rotate-half when asked.
    private static func convert(
        _ tensor: SourceTensor, head: Int, manifest: DatasetManifest, reorder: Bool
    ) throws(DatasetError) -> [UInt8] {
        let t = manifest.tokens
        let d = manifest.headDim
        let count = t * d
        let start = head * count
        let half = d / 2
        var bad: (index: Int, bits: UInt32)?
        let blob = tensor.storage.withUnsafeBytes { file -> [UInt8] in
            let raw = UnsafeRawBufferPointer(rebasing: file[tensor.offset...])
            return [UInt8](unsafeUninitializedCapacity: count * 4) { buffer, initialized in
                let out = UnsafeMutableRawBufferPointer(buffer)
                for row in 0..<t {
                    let base = start + row * d
                    for col in 0..<d {
                        let bits = tensor.dtype.float32Bits(raw, base + col)
                        if !DatasetDType.isFinite(bits), bad == nil { bad = (base + col - start, bits) }
                        let target = reorder ? (col % 2 == 0 ? col / 2 : half + col / 2) : col
                        out.storeBytes(of: bits.littleEndian, toByteOffset: (row * d + target) * 4, as: UInt32.self)
                    }
                }
                initialized = count * 4
            }
        }
        if let bad {
            let value = Float(bitPattern: bad.bits)
            throw .invalidFile(
                path: tensor.path, tensor: tensor.name,
                reason: "value \(value.isNaN ? "NaN" : "\(value)") at head \(head), token \(bad.index / d), coordinate "
                    + "\(bad.index % d): every value must be finite")
        }
        return blob
    }
}
