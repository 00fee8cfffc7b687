/// The element types a dataset file may hold; every one is converted to Float32 exactly.
enum DatasetDType: String, Sendable, CaseIterable {
    /// IEEE-754 binary32.
    case f32 = "F32"
    /// IEEE-754 binary16.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16 = "BF16"

    /// Bytes per element.
    var size: Int { self == .f32 ? 4 : 2 }

    /// The names accepted in messages: `F32, F16 or BF16`.
    static let accepted = "F32, F16 or BF16"

    /// The Float32 bit pattern of element `index` of little-endian data of this type.
    @inline(__always)
    func float32Bits(_ raw: UnsafeRawBufferPointer, _ index: Int) -> UInt32 {
        switch self {
        case .f32:
            return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        case .f16:
            return DatasetDType.float32Bits(
                half: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bf16:
            return UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))) << 16
        }
    }

    /// The Float32 bits of an IEEE-754 binary16 value (exact: every half is a float).
    ///
    /// Sign to bit 31; a normal half's exponent is rebiased (15 → 127) and its 10-bit fraction shifted to
    /// the top of the 23-bit one; a subnormal half (exponent 0) m·2⁻²⁴ is normalised; Inf and NaN keep their
    /// class (NaN payload shifted).
    static func float32Bits(half: UInt16) -> UInt32 {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1f
        var fraction = UInt32(half & 0x03ff)
        switch exponent {
        case 0:
            guard fraction != 0 else { return sign }
            // Subnormal: shift the fraction up until its leading 1 reaches bit 10.
            var e: UInt32 = 127 - 15 + 1
            while fraction & 0x0400 == 0 {
                fraction <<= 1
                e -= 1
            }
            return sign | (e << 23) | ((fraction & 0x03ff) << 13)
        case 0x1f:
            return sign | 0x7f80_0000 | (fraction << 13)
        default:
            return sign | ((exponent + 127 - 15) << 23) | (fraction << 13)
        }
    }

    /// Whether Float32 bits encode a finite value (not ±Inf, not NaN).
    @inline(__always)
    static func isFinite(_ bits: UInt32) -> Bool { bits & 0x7f80_0000 != 0x7f80_0000 }
}
