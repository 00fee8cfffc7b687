/// kvlab's own reader and writer of the safetensors format (Hugging Face's tensor files).
///
/// A file is an 8-byte little-endian header length N, N bytes of JSON header, then the data. The header is
/// an object: an optional `__metadata__` object of string values, and per tensor
/// `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}` with offsets into the data (relative to its
/// start). As the format requires, the tensors' byte ranges must cover the data exactly, with no gap, no
/// overlap and nothing after the last one; a header that says otherwise is refused.
enum DatasetSafetensors {
    /// One tensor entry of a header.
    struct Entry: Equatable {
        var name: String
        var dtype: DatasetDType
        var shape: [Int]
        /// Absolute byte offsets of the tensor's data in the file.
        var begin: Int
        var end: Int
    }

    /// The largest header accepted (the reference implementation's limit).
    static let maxHeaderBytes = 100_000_000

    /// Parses a whole file's header and checks every entry against the file's size.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - path: the file, for messages.
    /// - Returns: the `__metadata__` values (in file order) and the tensor entries (in file order).
    /// - Throws: ``DatasetError/invalidFile(path:tensor:reason:)`` naming the tensor at fault.
    static func parse(_ bytes: [UInt8], path: String) throws(DatasetError) -> (
        metadata: [(key: String, value: DatasetJSON)], entries: [Entry]
    ) {
        func invalid(_ tensor: String?, _ reason: String) -> DatasetError {
            .invalidFile(path: path, tensor: tensor, reason: reason)
        }
        guard bytes.count >= 8 else {
            throw invalid(
                nil, "truncated: \(bytes.count) bytes, shorter than the 8-byte header length of a safetensors file")
        }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(maxHeaderBytes) else {
            throw invalid(
                nil,
                "the header length \(length) is larger than safetensors allows (\(maxHeaderBytes)): not a safetensors file?"
            )
        }
        guard length <= UInt64(bytes.count - 8) else {
            throw invalid(nil, "truncated: the header length is \(length) bytes but only \(bytes.count - 8) follow")
        }
        let dataStart = 8 + Int(length)
        let dataLength = bytes.count - dataStart
        let header: DatasetJSON
        do {
            header = try DatasetJSON.parse(bytes[8..<dataStart])
        } catch {
            throw invalid(nil, "the header is not valid JSON (\(error.description)): not a safetensors file?")
        }
        guard let members = header.members else {
            throw invalid(nil, "the header is \(header.typeName), not an object")
        }
        var metadata: [(key: String, value: DatasetJSON)] = []
        var entries: [Entry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard let pairs = value.members else {
                    throw invalid("__metadata__", "is \(value.typeName), not an object of strings")
                }
                for (key, text) in pairs {
                    guard case .string = text else {
                        throw invalid(
                            "__metadata__", "the value of \(key) is \(text.typeName); safetensors metadata are strings")
                    }
                }
                metadata = pairs
                continue
            }
            entries.append(try entry(name, value, dataStart: dataStart, dataLength: dataLength, invalid: invalid))
        }
        // The byte ranges must tile the data: sorted by start, each begins where the previous ended.
        var position = 0
        var previous: Entry?
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            let offsets = "data_offsets [\(entry.begin - dataStart), \(entry.end - dataStart)]"
            if entry.begin < dataStart + position, let previous {
                throw invalid(
                    entry.name,
                    "\(offsets) overlap those of \(previous.name) [\(previous.begin - dataStart), "
                        + "\(previous.end - dataStart)]: the header lies about the offsets")
            }
            if entry.begin > dataStart + position {
                throw invalid(
                    entry.name,
                    "\(offsets) leave a gap of \(entry.begin - dataStart - position) bytes before them: "
                        + "the header lies about the offsets")
            }
            position = entry.end - dataStart
            previous = entry
        }
        if position != dataLength {
            throw invalid(
                nil, "\(dataLength - position) bytes after the last tensor's data: the header lies about the offsets")
        }
        return (metadata, entries)
    }

    /// Checks one tensor entry of the header.
    private static func entry(
        _ name: String, _ value: DatasetJSON, dataStart: Int, dataLength: Int,
        invalid: (String?, String) -> DatasetError
    ) throws(DatasetError) -> Entry {
        guard let fields = value.members else {
            throw invalid(name, "its header entry is \(value.typeName), not an object")
        }
        var dtypeName: String?
        var shapeValue: DatasetJSON?
        var offsetsValue: DatasetJSON?
        for (key, field) in fields {
            switch key {
            case "dtype":
                guard case .string(let text) = field else {
                    throw invalid(name, "dtype is \(field.typeName), not a string")
                }
                dtypeName = text
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: continue
            }
        }
        guard let dtypeName else { throw invalid(name, "its header entry has no dtype") }
        guard let dtype = DatasetDType(rawValue: dtypeName) else {
            throw invalid(name, "dtype \(dtypeName) is not supported (\(DatasetDType.accepted))")
        }
        guard case .array(let dims)? = shapeValue else { throw invalid(name, "its header entry has no shape array") }
        var shape: [Int] = []
        for dim in dims {
            guard let n = dim.nonNegativeInteger, n <= UInt64(Int32.max) else {
                throw invalid(name, "the shape holds \(dim), not a dimension")
            }
            shape.append(Int(n))
        }
        guard case .array(let offsets)? = offsetsValue, offsets.count == 2,
            let rawBegin = offsets[0].nonNegativeInteger, let rawEnd = offsets[1].nonNegativeInteger
        else { throw invalid(name, "its header entry has no data_offsets [begin, end]") }
        let shown = "data_offsets [\(rawBegin), \(rawEnd)]"
        guard rawBegin <= rawEnd else {
            throw invalid(name, "\(shown) end before they begin: the header lies about the offsets")
        }
        guard rawEnd <= UInt64(dataLength) else {
            throw invalid(
                name,
                "\(shown) reach past the end of the data (\(dataLength) bytes): the file is truncated or the "
                    + "header lies about the offsets")
        }
        var needed = dtype.size
        for dim in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw invalid(name, "the shape \(shape) is too large") }
            needed = product
        }
        let held = Int(rawEnd - rawBegin)
        guard held == needed else {
            throw invalid(
                name,
                "\(shown) hold \(held) bytes but shape \(shape) of \(dtype.rawValue) needs \(needed): the header "
                    + "lies about the offsets")
        }
        return Entry(
            name: name, dtype: dtype, shape: shape, begin: dataStart + Int(rawBegin), end: dataStart + Int(rawEnd))
    }

    /// The start of a safetensors file: the 8-byte length and the header (metadata, then the tensors in the
    /// given order, each `F32`, their data one after the other), padded with spaces to a multiple of 8 bytes.
    /// The tensors' data follows in the same order.
    ///
    /// - Parameters:
    ///   - metadata: `__metadata__` entries, written in this order.
    ///   - tensors: name, shape and data size in bytes of each tensor.
    /// - Returns: the bytes before the data.
    static func header(
        metadata: [(key: String, value: String)], tensors: [(name: String, shape: [Int], byteCount: Int)]
    )
        -> [UInt8]
    {
        var json = "{\"__metadata__\":{"
        json += metadata.map { CanonicalJSON.quoted($0.key) + ":" + CanonicalJSON.quoted($0.value) }.joined(
            separator: ",")
        json += "}"
        var offset = 0
        for tensor in tensors {
            json += "," + CanonicalJSON.quoted(tensor.name) + ":{\"dtype\":\"F32\",\"shape\":["
            json += tensor.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(offset + tensor.byteCount)]}"
            offset += tensor.byteCount
        }
        json += "}"
        var headerText = Array(json.utf8)
        while headerText.count % 8 != 0 { headerText.append(UInt8(ascii: " ")) }
        var header: [UInt8] = []
        let length = UInt64(headerText.count)
        for i in 0..<8 { header.append(UInt8((length >> (8 * UInt64(i))) & 0xff)) }
        return header + headerText
    }
}
