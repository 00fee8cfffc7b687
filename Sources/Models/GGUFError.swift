/// Why a GGUF file could not be read, or a tensor not dequantized, or a model not accepted.
///
/// Every count, offset and size read from a file is checked; a malformed file yields one of these values,
/// never a crash. The description says what is wrong, where (byte offset, metadata key or tensor name)
/// and, where there is one, how to fix it.
public enum GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, inspected or mapped (missing, a directory, no permission, …).
    case cannotOpen(path: String, reason: String)
    /// The file does not start with the GGUF magic `GGUF`; `found` holds its first bytes.
    case notGGUF(found: [UInt8])
    /// The format version is not 2 or 3.
    case unsupportedVersion(UInt32)
    /// The file ends inside a field: `needed` bytes of `what` at `offset`, only `available` left.
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// A count or length in the file cannot be right (it exceeds what the rest of the file can hold, or
    /// overflows).
    case implausibleCount(what: String, count: UInt64, offset: Int, limit: Int)
    /// A string of the file is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// A metadata value has a type id that is not a GGUF value type.
    case unknownValueType(key: String, type: UInt32, offset: Int)
    /// Arrays are nested deeper than the reader allows.
    case nestingTooDeep(key: String, offset: Int, limit: Int)
    /// The same metadata key appears twice.
    case duplicateKey(String)
    /// `general.alignment` is not a positive power of two.
    case invalidAlignment(String)
    /// Two tensors have the same name.
    case duplicateTensor(String)
    /// A tensor has more dimensions than ggml supports (4).
    case tooManyDimensions(tensor: String, count: UInt32)
    /// A tensor's type id is not a ggml type.
    case unknownTensorType(tensor: String, type: UInt32)
    /// A tensor's size overflows, or its rows are not made of whole quantization blocks.
    case invalidTensorShape(tensor: String, dimensions: [UInt64], reason: String)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data extends past the end of the file: `byteCount` bytes at `offset` (relative to the
    /// data section, as the file states it), where the data section holds `available` bytes.
    case tensorDataPastEnd(tensor: String, offset: UInt64, byteCount: Int, available: Int)
    /// The tensor's type is a valid ggml type that kvlab cannot dequantize.
    case unsupportedTensorType(tensor: String, type: String)
    /// A tensor was asked for that the file does not hold (or from another file).
    case tensorNotInFile(String)
    /// A caller's output buffer or row range does not fit the tensor.
    case invalidRequest(tensor: String, reason: String)
    /// `general.architecture` is not `llama`.
    case unsupportedArchitecture(String)
    /// A metadata key the model needs is absent.
    case missingMetadata(String)
    /// A metadata value has the wrong type or an impossible value.
    case invalidMetadata(key: String, reason: String)
    /// A tensor the model needs is absent.
    case missingTensor(String)
    /// A tensor the model needs has the wrong shape (dimensions in ggml order, innermost first).
    case tensorShapeMismatch(tensor: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the model file \(path): \(reason)"
        case .notGGUF(let found) where found.isEmpty:
            return "not a GGUF file: the file is empty; pass a .gguf model file (llama.cpp format)"
        case .notGGUF(let found):
            let hex = found.map { String($0, radix: 16, uppercase: false) }.map { $0.count == 1 ? "0" + $0 : $0 }
            return "not a GGUF file: it starts with bytes [\(hex.joined(separator: " "))], not the magic \"GGUF\" "
                + "(47 47 55 46); pass a .gguf model file (llama.cpp format)"
        case .unsupportedVersion(let version):
            let hint =
                version == 1
                ? "GGUF v1 is obsolete; convert the model again with a current llama.cpp (convert_hf_to_gguf.py)"
                : "kvlab reads GGUF versions 2 and 3"
            return "unsupported GGUF version \(version): \(hint)"
        case .truncated(let what, let offset, let needed, let available):
            return "the file is truncated: \(what) at byte offset \(offset) needs \(needed) bytes but only "
                + "\(available) remain; the download or copy is probably incomplete (fetch the file again)"
        case .implausibleCount(let what, let count, let offset, let limit):
            return "corrupt or truncated file: \(what) at byte offset \(offset) is \(count), more than the "
                + "\(limit) the rest of the file can hold"
        case .invalidUTF8(let what, let offset):
            return "corrupt file: \(what) at byte offset \(offset) is not valid UTF-8"
        case .unknownValueType(let key, let type, let offset):
            return "corrupt file: metadata key \"\(key)\" has value type \(type) at byte offset \(offset); GGUF "
                + "value types are 0…12"
        case .nestingTooDeep(let key, let offset, let limit):
            return "metadata key \"\(key)\": arrays nested more than \(limit) deep at byte offset \(offset)"
        case .duplicateKey(let key):
            return "corrupt file: metadata key \"\(key)\" appears twice"
        case .invalidAlignment(let value):
            return "general.alignment is \(value); it must be a positive power of two (32 when absent)"
        case .duplicateTensor(let name):
            return "corrupt file: tensor \"\(name)\" appears twice"
        case .tooManyDimensions(let tensor, let count):
            return "tensor \"\(tensor)\" has \(count) dimensions; ggml tensors have 1 to 4"
        case .unknownTensorType(let tensor, let type):
            return "tensor \"\(tensor)\" has type id \(type), which is not a ggml tensor type kvlab knows; "
                + "convert the model to F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K or Q6_K"
        case .invalidTensorShape(let tensor, let dimensions, let reason):
            return "tensor \"\(tensor)\" with dimensions \(dimensions): \(reason)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "corrupt file: tensor \"\(tensor)\" data offset \(offset) is not a multiple of the alignment "
                + "\(alignment)"
        case .tensorDataPastEnd(let tensor, let offset, let byteCount, let available):
            let (end, overflow) = offset.addingReportingOverflow(UInt64(byteCount))
            let range = overflow ? "from byte \(offset) on" : "bytes \(offset)..<\(end)"
            return "the file is truncated or corrupt: tensor \"\(tensor)\" needs \(range) of the tensor data section, "
                + "which holds only \(available) bytes; fetch the file again"
        case .unsupportedTensorType(let tensor, let type):
            return "tensor \"\(tensor)\" has type \(type), which kvlab cannot dequantize; supported: F32, F16, "
                + "BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K (convert or quantize the model to one of them)"
        case .tensorNotInFile(let name):
            return "tensor \"\(name)\" is not a tensor of this file"
        case .invalidRequest(let tensor, let reason):
            return "tensor \"\(tensor)\": \(reason)"
        case .unsupportedArchitecture(let architecture):
            return "architecture \(architecture) is not supported; kvlab runs Llama-family models "
                + "(general.architecture = llama)"
        case .missingMetadata(let key):
            return "metadata key \"\(key)\" is missing; the file is not a complete Llama GGUF model"
        case .invalidMetadata(let key, let reason):
            return "metadata key \"\(key)\": \(reason)"
        case .missingTensor(let name):
            return "tensor \"\(name)\" is missing; the file is not a complete Llama GGUF model"
        case .tensorShapeMismatch(let tensor, let expected, let found):
            return "tensor \"\(tensor)\" has dimensions \(found) but the metadata implies \(expected) "
                + "(ggml order, innermost first)"
        }
    }
}
