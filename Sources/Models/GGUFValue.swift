/// One metadata value of a GGUF file.
///
/// Arrays keep their elements in file order; an array's element type is implied by its elements (an empty
/// array reads as `.array([])` whatever type the file declared).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32), float32(Float)
    case uint64(UInt64), int64(Int64), float64(Double), bool(Bool), string(String), array([GGUFValue])

    /// The GGUF value type id of this value (`gguf_type`: 0 = UINT8 … 12 = FLOAT64).
    public var typeID: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    /// The value as an `Int` when it is an integer of any width that fits.
    public var integerValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a float, or an integer (converted).
    public var floatValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return integerValue.map(Double.init)
        }
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, when the value is an array.
    public var arrayValue: [GGUFValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A short human-readable rendering (arrays longer than 8 elements are abridged).
    public var summary: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .array(let elements):
            let shown = elements.prefix(8).map(\.summary).joined(separator: ", ")
            return elements.count > 8 ? "[\(shown), … (\(elements.count) elements)]" : "[\(shown)]"
        default: return integerValue.map(String.init) ?? "?"
        }
    }
}

/// A ggml tensor type, with its raw type id (`ggml_type`) as the raw value.
public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35
    case mxfp4 = 39

    /// The name ggml uses (`F32`, `Q4_1`, `Q6_K`, …).
    public var name: String {
        String(describing: self).uppercased()
    }

    /// Elements per quantization block (1 for plain types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .i8, .i16, .i32, .i64, .f64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: return 32
        default: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8: return 1
        case .i64, .f64: return 8
        case .q4_0, .iq4_nl: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34
        case .q8_1: return 36
        case .mxfp4: return 17
        case .q2_K: return 84
        case .q3_K: return 110
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        case .q8_K: return 292
        case .iq2_xxs: return 66
        case .iq2_xs: return 74
        case .iq3_xxs: return 98
        case .iq1_s: return 50
        case .iq3_s: return 110
        case .iq2_s: return 82
        case .iq4_xs: return 136
        case .iq1_m: return 56
        case .tq1_0: return 54
        case .tq2_0: return 66
        }
    }

    /// Whether ``GGUFFile/dequantize(_:)`` supports the type.
    public var canDequantize: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K: return true
        default: return false
        }
    }
}

/// Where one tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`blk.0.attn_q.weight`, …).
    public let name: String
    /// The dimensions in ggml order: `dimensions[0]` is the innermost (fastest-varying) one, the length
    /// of a row.
    public let dimensions: [Int]
    /// The element type.
    public let type: GGUFTensorType
    /// The absolute file offset of the tensor's data.
    public let offset: Int
    /// The number of elements (the product of the dimensions).
    public let elementCount: Int
    /// The number of bytes of the tensor's data.
    public let byteCount: Int

    /// Elements per row (`dimensions[0]`).
    public var rowLength: Int { dimensions.first ?? 1 }

    /// The number of rows (the product of the outer dimensions).
    public var rowCount: Int { rowLength == 0 ? 0 : elementCount / rowLength }

    /// Bytes per row.
    public var rowBytes: Int { rowLength / type.blockSize * type.blockBytes }
}
