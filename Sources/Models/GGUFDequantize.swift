/// Dequantizers of the ggml block formats kvlab reads, each a plain loop over whole blocks.
///
/// Every value is computed with the same Float32 operations, in the same order, as ggml's reference
/// dequantizers (and the Python `gguf` package): `d * q` for Q8_0 and Q4_0, `d * q + m` for Q4_1,
/// `(d * scale) * q - dmin * min` for Q4_K, `(d * scale) * q` for Q6_K, so the results are bit-identical.
enum GGUFDequantizer {
    /// Dequantizes `blocks` blocks of a type from `src` into `dst` (`blocks * type.blockSize` floats).
    ///
    /// - Precondition: `type.canDequantize` and both ranges valid (checked by the callers).
    static func dequantize(
        _ type: GGUFTensorType, from src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        switch type {
        case .f32:
            for i in 0..<blocks {
                dst[i] = Float(
                    bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in 0..<blocks { dst[i] = half(src, 2 * i) }
        case .bf16:
            for i in 0..<blocks {
                let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                dst[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .q8_0: q8_0(src, blocks, dst)
        case .q4_0: q4_0(src, blocks, dst)
        case .q4_1: q4_1(src, blocks, dst)
        case .q4_K: q4_K(src, blocks, dst)
        case .q6_K: q6_K(src, blocks, dst)
        default: preconditionFailure("\(type.name) has no dequantizer (callers check canDequantize)")
        }
    }

    /// Q8_0: 34-byte blocks of 32: `d` (f16), then 32 signed bytes; x = d·q.
    private static func q8_0(_ src: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = src + 34 * b
            let d = half(block, 0)
            let out = dst + 32 * b
            for j in 0..<32 { out[j] = d * Float(Int8(bitPattern: block.load(fromByteOffset: 2 + j, as: UInt8.self))) }
        }
    }

    /// Q4_0: 18-byte blocks of 32: `d` (f16), then 16 bytes whose low nibbles are elements 0…15 and high
    /// nibbles elements 16…31; x = d·(q − 8).
    private static func q4_0(_ src: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = src + 18 * b
            let d = half(block, 0)
            let out = dst + 32 * b
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                out[j] = d * Float(Int(byte & 0x0f) - 8)
                out[j + 16] = d * Float(Int(byte >> 4) - 8)
            }
        }
    }

    /// Q4_1: 20-byte blocks of 32: `d` (f16), `m` (f16), then 16 bytes of nibbles laid out as in Q4_0;
    /// x = d·q + m.
    private static func q4_1(_ src: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = src + 20 * b
            let d = half(block, 0)
            let m = half(block, 2)
            let out = dst + 32 * b
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                let lo = d * Float(byte & 0x0f)
                let hi = d * Float(byte >> 4)
                out[j] = lo + m
                out[j + 16] = hi + m
            }
        }
    }

    /// Q4_K: 144-byte super-blocks of 256: `d`, `dmin` (f16), 12 bytes of eight packed 6-bit (scale, min)
    /// pairs, 128 bytes of nibbles. Each 64 elements use two pairs: the low nibbles of 32 bytes with the
    /// first, their high nibbles with the second; x = (d·scale)·q − dmin·min.
    private static func q4_K(_ src: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = src + 144 * b
            let d = half(block, 0)
            let dmin = half(block, 2)
            let scales = block + 4
            let qs = block + 16
            let out = dst + 256 * b
            for group in 0..<4 {
                let (sc1, m1) = scaleMin(scales, 2 * group)
                let (sc2, m2) = scaleMin(scales, 2 * group + 1)
                let d1 = d * Float(sc1)
                let min1 = dmin * Float(m1)
                let d2 = d * Float(sc2)
                let min2 = dmin * Float(m2)
                for l in 0..<32 {
                    let byte = qs.load(fromByteOffset: 32 * group + l, as: UInt8.self)
                    let lo = d1 * Float(byte & 0x0f)
                    let hi = d2 * Float(byte >> 4)
                    out[64 * group + l] = lo - min1
                    out[64 * group + 32 + l] = hi - min2
                }
            }
        }
    }

    /// The `j`-th 6-bit (scale, min) pair of a Q4_K block's 12 scale bytes: pairs 0…3 are the low six bits
    /// of bytes j and j+4; pairs 4…7 take their low four bits from byte j+4's nibbles and their top two
    /// from the spare high bits of bytes j−4 and j.
    private static func scaleMin(_ q: UnsafeRawPointer, _ j: Int) -> (UInt8, UInt8) {
        func byte(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        let scale = (byte(j + 4) & 0x0f) | ((byte(j - 4) >> 6) << 4)
        let min = (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4)
        return (scale, min)
    }

    /// Q6_K: 210-byte super-blocks of 256: 128 bytes of low nibbles (`ql`), 64 bytes of 2-bit high parts
    /// (`qh`), 16 signed scales, `d` (f16). Each half of 128 elements uses 64 `ql` bytes and 32 `qh` bytes:
    /// element l + 32k (k = 0…3) takes the low or high nibble of ql[l] or ql[l+32] and bits 2k…2k+1 of
    /// qh[l]; q is that 6-bit value − 32 and x = (d·scale)·q with scale 16 elements wide.
    private static func q6_K(_ src: UnsafeRawPointer, _ blocks: Int, _ dst: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = src + 210 * b
            let d = half(block, 208)
            for part in 0..<2 {
                let ql = block + 64 * part
                let qh = block + 128 + 32 * part
                let sc = block + 192 + 8 * part
                let out = dst + 256 * b + 128 * part
                func scale(_ i: Int) -> Float { Float(Int8(bitPattern: sc.load(fromByteOffset: i, as: UInt8.self))) }
                for l in 0..<32 {
                    let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
                    let low1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let s = l / 16
                    out[l] = (d * scale(s)) * Float(Int(low0 & 0x0f | (high & 3) << 4) - 32)
                    out[l + 32] = (d * scale(s + 2)) * Float(Int(low1 & 0x0f | ((high >> 2) & 3) << 4) - 32)
                    out[l + 64] = (d * scale(s + 4)) * Float(Int(low0 >> 4 | ((high >> 4) & 3) << 4) - 32)
                    out[l + 96] = (d * scale(s + 6)) * Float(Int(low1 >> 4 | ((high >> 6) & 3) << 4) - 32)
                }
            }
        }
    }

    /// The IEEE binary16 value at a byte offset, as a Float (exact).
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Converts IEEE binary16 bits to a Float exactly (normals, subnormals, zeros, infinities, NaNs).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h) & 0x3ff
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2^−24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
