import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A GGUF model file (versions 2 and 3): its metadata, its tensor directory and its memory-mapped tensor
/// data.
///
/// The file is mapped read-only for the lifetime of the value; tensor data is read from the mapping on
/// demand, never copied whole. Every count, length, offset and size is checked while reading, so a
/// malformed or truncated file throws a ``GGUFError`` instead of crashing. The value is immutable after
/// `init` and may be shared between threads. (Like every memory-mapped reader, it assumes nobody truncates
/// the file while it is open.)
public final class GGUFFile: @unchecked Sendable {
    /// The file's location.
    public let url: URL
    /// The GGUF format version (2 or 3).
    public let version: UInt32
    /// Every metadata key and value.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensors, in file order.
    public let tensors: [GGUFTensorInfo]
    /// The data alignment (`general.alignment`, 32 when absent).
    public let alignment: Int
    /// The absolute offset of the tensor data section.
    public let dataOffset: Int
    /// The file's size in bytes.
    public let fileSize: Int

    private let mapping: UnsafeRawPointer?
    private let tensorIndex: [String: Int]

    /// The deepest nesting of arrays the reader accepts (an array of arrays is depth 2).
    public static let maxArrayNesting = 8

    /// Opens, maps and parses a GGUF file.
    ///
    /// - Parameter url: a local file.
    /// - Throws: ``GGUFError`` when the file cannot be mapped or is not a well-formed GGUF v2/v3 file.
    public init(contentsOf url: URL) throws(GGUFError) {
        self.url = url
        let (pointer, size) = try Self.map(url)
        mapping = pointer
        fileSize = size
        do {
            let bytes = UnsafeRawBufferPointer(start: pointer, count: size)
            let parsed = try Self.parse(bytes)
            version = parsed.version
            metadata = parsed.metadata
            metadataKeys = parsed.keys
            tensors = parsed.tensors
            alignment = parsed.alignment
            dataOffset = parsed.dataOffset
            var index: [String: Int] = [:]
            for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
            tensorIndex = index
        } catch {
            if let pointer { munmap(UnsafeMutableRawPointer(mutating: pointer), size) }
            throw error
        }
    }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping), fileSize) }
    }

    /// The tensor of that name, if the file has one.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// A string value (nil when absent or not a string).
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }

    /// An integer value of any width that fits an `Int` (nil when absent or not an integer).
    public func integer(_ key: String) -> Int? { metadata[key]?.integerValue }

    /// A float value, or an integer value converted (nil when absent or neither).
    public func float(_ key: String) -> Double? { metadata[key]?.floatValue }

    /// An array of strings (nil when absent, not an array, or holding anything but strings).
    public func strings(_ key: String) -> [String]? {
        guard let array = metadata[key]?.arrayValue else { return nil }
        var out: [String] = []
        out.reserveCapacity(array.count)
        for element in array {
            guard case .string(let s) = element else { return nil }
            out.append(s)
        }
        return out
    }

    /// An array of integers (nil when absent, not an array, or holding anything but integers that fit).
    public func integers(_ key: String) -> [Int]? {
        guard let array = metadata[key]?.arrayValue else { return nil }
        var out: [Int] = []
        out.reserveCapacity(array.count)
        for element in array {
            guard let v = element.integerValue else { return nil }
            out.append(v)
        }
        return out
    }

    /// Calls `body` with the raw bytes of a tensor's data, inside the mapping (valid only during the call).
    ///
    /// - Throws: ``GGUFError/tensorNotInFile(_:)`` for a tensor of another file.
    public func withRawData<R>(_ tensor: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let start = try checkedStart(tensor)
        return try body(UnsafeRawBufferPointer(start: start, count: tensor.byteCount))
    }

    /// The tensor's values as floats, in ggml order (`dimensions[0]` fastest).
    ///
    /// - Throws: ``GGUFError/unsupportedTensorType(tensor:type:)`` for a type kvlab cannot dequantize;
    ///   ``GGUFError/tensorNotInFile(_:)`` for a tensor of another file.
    public func dequantize(_ tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        try Self.requireDequantizable(tensor)
        let start = try checkedStart(tensor)
        guard tensor.elementCount > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, count in
            guard let out = buffer.baseAddress else { return }
            GGUFDequantizer.dequantize(
                tensor.type, from: start, blocks: tensor.elementCount / tensor.type.blockSize, into: out)
            count = tensor.elementCount
        }
    }

    /// Dequantizes whole rows of a tensor (`rows` in units of `rowLength` elements) into a caller's buffer.
    ///
    /// - Parameters:
    ///   - tensor: a tensor of this file.
    ///   - rows: the rows to read, within `0..<tensor.rowCount`.
    ///   - buffer: exactly `rows.count * tensor.rowLength` floats.
    /// - Throws: ``GGUFError/invalidRequest(tensor:reason:)`` for rows out of range or a buffer of the wrong
    ///   size; the errors of ``dequantize(_:)``.
    public func dequantize(_ tensor: GGUFTensorInfo, rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>)
        throws(GGUFError)
    {
        try Self.requireDequantizable(tensor)
        let start = try checkedStart(tensor)
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw .invalidRequest(
                tensor: tensor.name, reason: "rows \(rows) are outside 0..<\(tensor.rowCount)")
        }
        let count = rows.count * tensor.rowLength
        guard buffer.count == count else {
            throw .invalidRequest(
                tensor: tensor.name, reason: "the buffer holds \(buffer.count) floats; \(rows.count) rows need \(count)"
            )
        }
        guard count > 0, let out = buffer.baseAddress else { return }
        GGUFDequantizer.dequantize(
            tensor.type, from: start + rows.lowerBound * tensor.rowBytes, blocks: count / tensor.type.blockSize,
            into: out)
    }

    private static func requireDequantizable(_ tensor: GGUFTensorInfo) throws(GGUFError) {
        guard tensor.type.canDequantize else {
            throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type.name)
        }
    }

    /// The start of a tensor's data, after checking that the tensor is this file's.
    private func checkedStart(_ tensor: GGUFTensorInfo) throws(GGUFError) -> UnsafeRawPointer {
        guard let i = tensorIndex[tensor.name], tensors[i] == tensor, let mapping else {
            throw .tensorNotInFile(tensor.name)
        }
        return mapping + tensor.offset
    }

    // MARK: - Mapping

    /// Maps a regular file read-only (nil pointer for an empty file).
    private static func map(_ url: URL) throws(GGUFError) -> (UnsafeRawPointer?, Int) {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return (nil, 0) }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "cannot map it: " + String(cString: strerror(errno)))
        }
        return (UnsafeRawPointer(pointer), size)
    }

    // MARK: - Parsing

    private struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var keys: [String]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    /// Parses the header, metadata and tensor directory, and checks every tensor's extent.
    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) -> Parsed {
        var r = GGUFReader(bytes)
        guard bytes.count >= 4 else { throw .notGGUF(found: Array(bytes)) }
        let magic = Array(bytes.prefix(4))
        guard magic == Array("GGUF".utf8) else { throw .notGGUF(found: Array(bytes.prefix(8))) }
        r.offset = 4
        let version = try r.read(UInt32.self, "the format version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        // The tensor count is checked against the bytes left once the metadata has been read.
        let tensorCountOffset = r.offset
        let rawTensorCount = try r.read(UInt64.self, "the tensor count")
        let keyCount = try r.count("the metadata key count", minimumBytesEach: 8 + 4 + 1)

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(keyCount)
        for i in 0..<keyCount {
            let key = try r.string("metadata key #\(i)")
            let typeOffset = r.offset
            let type = try r.read(UInt32.self, "the value type of metadata key \"\(key)\"")
            let value = try r.value(type: type, key: key, typeOffset: typeOffset, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
            keys.append(key)
        }

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.integerValue, a > 0, a & (a - 1) == 0 else {
                throw .invalidAlignment(value.summary)
            }
            alignment = a
        }

        let infoLimit = r.remaining / (8 + 4 + 8 + 4 + 8)
        guard rawTensorCount <= UInt64(infoLimit) else {
            throw .implausibleCount(
                what: "the tensor count", count: rawTensorCount, offset: tensorCountOffset, limit: infoLimit)
        }
        let tensorCount = Int(rawTensorCount)
        var raw: [(name: String, dims: [UInt64], type: GGUFTensorType, offset: UInt64)] = []
        raw.reserveCapacity(tensorCount)
        var names = Set<String>()
        for i in 0..<tensorCount {
            let name = try r.string("the name of tensor #\(i)")
            guard names.insert(name).inserted else { throw .duplicateTensor(name) }
            let nDims = try r.read(UInt32.self, "the dimension count of tensor \"\(name)\"")
            guard (1...4).contains(nDims) else { throw .tooManyDimensions(tensor: name, count: nDims) }
            var dims: [UInt64] = []
            for d in 0..<Int(nDims) { dims.append(try r.read(UInt64.self, "dimension \(d) of tensor \"\(name)\"")) }
            let typeID = try r.read(UInt32.self, "the type of tensor \"\(name)\"")
            guard let type = GGUFTensorType(rawValue: typeID) else {
                throw .unknownTensorType(tensor: name, type: typeID)
            }
            let offset = try r.read(UInt64.self, "the data offset of tensor \"\(name)\"")
            raw.append((name, dims, type, offset))
        }

        let (dataOffset, overflow) = r.offset.addingReportingOverflow((alignment - r.offset % alignment) % alignment)
        guard !overflow else {
            throw .implausibleCount(
                what: "general.alignment", count: UInt64(alignment), offset: r.offset, limit: bytes.count)
        }
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for t in raw {
            tensors.append(
                try tensorInfo(t, alignment: alignment, dataOffset: dataOffset, fileSize: bytes.count))
        }
        return Parsed(
            version: version, metadata: metadata, keys: keys, tensors: tensors, alignment: alignment,
            dataOffset: dataOffset)
    }

    /// Checks one tensor's shape and extent.
    private static func tensorInfo(
        _ t: (name: String, dims: [UInt64], type: GGUFTensorType, offset: UInt64), alignment: Int, dataOffset: Int,
        fileSize: Int
    ) throws(GGUFError) -> GGUFTensorInfo {
        var elements = 1
        var dims: [Int] = []
        for d in t.dims {
            guard let v = Int(exactly: d) else {
                throw .invalidTensorShape(tensor: t.name, dimensions: t.dims, reason: "a dimension overflows")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: v)
            guard !overflow else {
                throw .invalidTensorShape(tensor: t.name, dimensions: t.dims, reason: "the element count overflows")
            }
            elements = product
            dims.append(v)
        }
        let block = t.type.blockSize
        guard dims[0] % block == 0 else {
            throw .invalidTensorShape(
                tensor: t.name, dimensions: t.dims,
                reason: "rows of \(dims[0]) elements are not whole \(t.type.name) blocks of \(block)")
        }
        let (byteCount, overflow) = (elements / block).multipliedReportingOverflow(by: t.type.blockBytes)
        guard !overflow else {
            throw .invalidTensorShape(tensor: t.name, dimensions: t.dims, reason: "the byte size overflows")
        }
        guard t.offset % UInt64(alignment) == 0 else {
            throw .misalignedTensor(tensor: t.name, offset: t.offset, alignment: alignment)
        }
        guard let relative = Int(exactly: t.offset), relative <= fileSize - dataOffset,
            byteCount <= fileSize - dataOffset - relative
        else {
            throw .tensorDataPastEnd(
                tensor: t.name, offset: t.offset, byteCount: byteCount, available: max(fileSize - dataOffset, 0))
        }
        return GGUFTensorInfo(
            name: t.name, dimensions: dims, type: t.type, offset: dataOffset + relative, elementCount: elements,
            byteCount: byteCount)
    }
}

/// A bounds-checked little-endian cursor over the mapped file.
private struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Reads a little-endian integer; `what` names the field for the error.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw .truncated(what: what(), offset: offset, needed: size, available: remaining)
        }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// Reads a u64 count and checks that the rest of the file can hold that many items of at least
    /// `minimumBytesEach` bytes.
    mutating func count(_ what: @autoclosure () -> String, minimumBytesEach: Int) throws(GGUFError) -> Int {
        let at = offset
        let raw = try read(UInt64.self, what())
        let limit = remaining / max(minimumBytesEach, 1)
        guard raw <= UInt64(limit) else {
            throw .implausibleCount(what: what(), count: raw, offset: at, limit: limit)
        }
        return Int(raw)
    }

    /// Reads a GGUF string (u64 byte length, UTF-8 bytes).
    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let at = offset
        let length = try read(UInt64.self, "the length of " + what())
        guard length <= UInt64(remaining) else {
            throw .implausibleCount(what: "the length of " + what(), count: length, offset: at, limit: remaining)
        }
        let count = Int(length)
        let start = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        guard let s = String(validating: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) else {
            throw .invalidUTF8(what: what(), offset: offset)
        }
        offset += count
        return s
    }

    /// Reads a metadata value of a type id.
    mutating func value(type: UInt32, key: String, typeOffset: Int, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(UInt8.self, "the value of \"\(key)\""))
        case 1: return .int8(try read(Int8.self, "the value of \"\(key)\""))
        case 2: return .uint16(try read(UInt16.self, "the value of \"\(key)\""))
        case 3: return .int16(try read(Int16.self, "the value of \"\(key)\""))
        case 4: return .uint32(try read(UInt32.self, "the value of \"\(key)\""))
        case 5: return .int32(try read(Int32.self, "the value of \"\(key)\""))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, "the value of \"\(key)\"")))
        case 7:
            let at = offset
            let b = try read(UInt8.self, "the value of \"\(key)\"")
            guard b <= 1 else {
                throw .implausibleCount(what: "the bool value of \"\(key)\"", count: UInt64(b), offset: at, limit: 1)
            }
            return .bool(b == 1)
        case 8: return .string(try string("the value of \"\(key)\""))
        case 9:
            guard depth < GGUFFile.maxArrayNesting else {
                throw .nestingTooDeep(key: key, offset: typeOffset, limit: GGUFFile.maxArrayNesting)
            }
            let elementOffset = offset
            let elementType = try read(UInt32.self, "the element type of \"\(key)\"")
            guard let size = Self.minimumSize(elementType) else {
                throw .unknownValueType(key: key, type: elementType, offset: elementOffset)
            }
            let n = try count("the element count of \"\(key)\"", minimumBytesEach: size)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(n)
            for _ in 0..<n {
                elements.append(try value(type: elementType, key: key, typeOffset: elementOffset, depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try read(UInt64.self, "the value of \"\(key)\""))
        case 11: return .int64(try read(Int64.self, "the value of \"\(key)\""))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, "the value of \"\(key)\"")))
        default: throw .unknownValueType(key: key, type: type, offset: typeOffset)
        }
    }

    /// The fewest bytes a value of a type id occupies (nil for an unknown type).
    static func minimumSize(_ type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8: return 8
        case 9: return 12
        case 10, 11, 12: return 8
        default: return nil
        }
    }
}
