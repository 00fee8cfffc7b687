import Foundation
import Models

/// Writes small GGUF files for the tests: any metadata, tensors of F32, F16, BF16, Q8_0, Q4_0 or Q4_1
/// (quantized the way ggml's reference quantizers do it) or raw bytes, versions 2 and 3.
///
/// ``encoded()`` also returns where each section starts, so a test can cut or patch a file at a known
/// place.
public struct GGUFWriter {
    /// One tensor to write.
    public struct Tensor {
        public var name: String
        /// ggml order: `dimensions[0]` is the innermost.
        public var dimensions: [Int]
        public var type: GGUFTensorType
        /// The encoded data.
        public var data: [UInt8]
    }

    /// Where the sections of an encoded file start (absolute byte offsets).
    public struct Layout {
        /// The end of the fixed header (magic, version, counts) = the first metadata key.
        public var metadataStart: Int
        /// The first tensor info.
        public var tensorInfosStart: Int
        /// The start of the (aligned) tensor data section.
        public var dataStart: Int
        /// Each tensor's absolute data offset, in order.
        public var tensorOffsets: [Int]
        /// Each tensor info's absolute start, in order.
        public var tensorInfoStarts: [Int]
    }

    /// The format version written (2 or 3; both share a layout).
    public var version: UInt32
    /// The alignment of tensor data (also written as `general.alignment` when it is not 32).
    public var alignment: Int
    /// Metadata in file order.
    public var metadata: [(key: String, value: GGUFValue)] = []
    /// Tensors in file order.
    public var tensors: [Tensor] = []

    /// An empty file of a version and alignment.
    public init(version: UInt32 = 3, alignment: Int = 32) {
        self.version = version
        self.alignment = alignment
    }

    /// Appends a metadata entry.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        metadata.append((key, value))
    }

    /// Appends a tensor of float values, encoded as `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_1).
    public mutating func addTensor(_ name: String, dimensions: [Int], type: GGUFTensorType = .f32, values: [Float]) {
        precondition(values.count == dimensions.reduce(1, *), "\(name): \(values.count) values for \(dimensions)")
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: Self.encode(values, as: type)))
    }

    /// Appends a tensor of already encoded bytes (any type, any length: for malformed files too).
    public mutating func addTensor(_ name: String, dimensions: [Int], type: GGUFTensorType, data: [UInt8]) {
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: data))
    }

    /// The file's bytes and layout.
    public func encoded() -> (bytes: [UInt8], layout: Layout) {
        var out: [UInt8] = Array("GGUF".utf8)
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        var entries = metadata
        if alignment != 32, !entries.contains(where: { $0.key == "general.alignment" }) {
            entries.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        Self.append(UInt64(entries.count), to: &out)
        let metadataStart = out.count
        for (key, value) in entries {
            Self.appendString(key, to: &out)
            Self.append(value.typeID, to: &out)
            Self.appendValue(value, to: &out)
        }
        let tensorInfosStart = out.count
        var offsets: [Int] = []
        var infoStarts: [Int] = []
        var relative = 0
        for tensor in tensors {
            infoStarts.append(out.count)
            Self.appendString(tensor.name, to: &out)
            Self.append(UInt32(tensor.dimensions.count), to: &out)
            for d in tensor.dimensions { Self.append(UInt64(d), to: &out) }
            Self.append(tensor.type.rawValue, to: &out)
            Self.append(UInt64(relative), to: &out)
            offsets.append(relative)
            relative += Self.padded(tensor.data.count, alignment)
        }
        out += [UInt8](repeating: 0, count: Self.padded(out.count, alignment) - out.count)
        let dataStart = out.count
        for tensor in tensors {
            out += tensor.data
            out += [UInt8](repeating: 0, count: Self.padded(out.count, alignment) - out.count)
        }
        let layout = Layout(
            metadataStart: metadataStart, tensorInfosStart: tensorInfosStart, dataStart: dataStart,
            tensorOffsets: offsets.map { $0 + dataStart }, tensorInfoStarts: infoStarts)
        return (out, layout)
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] { encoded().bytes }

    /// Writes the file.
    public func write(to url: URL) throws {
        try Data(bytes()).write(to: url)
    }

    private static func padded(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Appends an integer, little-endian.
    public static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    /// Appends a GGUF string (u64 length, UTF-8 bytes).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        append(UInt64(s.utf8.count), to: &out)
        out += Array(s.utf8)
    }

    /// Appends a value without its type id; an array's elements share the first element's type (UINT8 for
    /// an empty array).
    public static func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let elements):
            let type = elements.first?.typeID ?? 0
            precondition(elements.allSatisfy { $0.typeID == type }, "GGUF arrays hold one type")
            append(type, to: &out)
            append(UInt64(elements.count), to: &out)
            for e in elements { appendValue(e, to: &out) }
        }
    }

    // MARK: - Encoders

    /// Encodes floats as a tensor type (F32, F16, BF16, Q8_0, Q4_0, Q4_1; quantized types need a whole
    /// number of 32-value blocks of finite values).
    public static func encode(_ values: [Float], as type: GGUFTensorType) -> [UInt8] {
        var out: [UInt8] = []
        switch type {
        case .f32: for v in values { append(v.bitPattern, to: &out) }
        case .f16: for v in values { append(halfBits(v), to: &out) }
        case .bf16: for v in values { append(bfloat16Bits(v), to: &out) }
        case .q8_0, .q4_0, .q4_1:
            precondition(values.count % 32 == 0, "\(type.name) needs whole blocks of 32 values")
            for start in stride(from: 0, to: values.count, by: 32) {
                let block = Array(values[start..<start + 32])
                switch type {
                case .q8_0: out += q8_0(block)
                case .q4_0: out += q4_0(block)
                default: out += q4_1(block)
                }
            }
        default: preconditionFailure("no encoder for \(type.name)")
        }
        return out
    }

    /// One Q8_0 block: d = max|x| / 127, q = round(x / d) (half away from zero), d stored as F16.
    public static func q8_0(_ x: [Float]) -> [UInt8] {
        let amax = x.map(abs).max() ?? 0
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        var out: [UInt8] = []
        append(halfBits(d), to: &out)
        for v in x { out.append(UInt8(bitPattern: Int8((v * id).rounded()))) }
        return out
    }

    /// One Q4_0 block: d = (the value of largest magnitude) / −8, q = min(15, trunc(x / d + 8.5)); element j
    /// in the low nibble of byte j, element j+16 in its high nibble.
    public static func q4_0(_ x: [Float]) -> [UInt8] {
        var amax: Float = 0
        var max: Float = 0
        for v in x where abs(v) > amax {
            amax = abs(v)
            max = v
        }
        let d = max / -8
        let id: Float = d != 0 ? 1 / d : 0
        var out: [UInt8] = []
        append(halfBits(d), to: &out)
        for j in 0..<16 {
            let lo = Swift.min(15, Int(x[j] * id + 8.5))
            let hi = Swift.min(15, Int(x[j + 16] * id + 8.5))
            out.append(UInt8(lo | hi << 4))
        }
        return out
    }

    /// One Q4_1 block: d = (max − min) / 15, m = min, q = min(15, trunc((x − min) / d + 0.5)); nibbles as
    /// in Q4_0; d then m stored as F16.
    public static func q4_1(_ x: [Float]) -> [UInt8] {
        let lowest = x.min() ?? 0
        let highest = x.max() ?? 0
        let d = (highest - lowest) / 15
        let id: Float = d != 0 ? 1 / d : 0
        var out: [UInt8] = []
        append(halfBits(d), to: &out)
        append(halfBits(lowest), to: &out)
        for j in 0..<16 {
            let lo = Swift.min(15, Int((x[j] - lowest) * id + 0.5))
            let hi = Swift.min(15, Int((x[j + 16] - lowest) * id + 0.5))
            out.append(UInt8(lo | hi << 4))
        }
        return out
    }

    /// IEEE binary16 bits of a float, rounded to nearest even (overflow → infinity, NaN → quiet NaN).
    public static func halfBits(_ value: Float) -> UInt16 {
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        let v = abs(value)
        if v.isNaN { return sign | 0x7e00 }
        if v.isInfinite { return sign | 0x7c00 }
        if v < 0x1p-14 {
            // Subnormal: units of 2^−24; rounding up to 1024 lands on the smallest normal, whose bits are 1024.
            return sign | UInt16((v * 0x1p24).rounded(.toNearestOrEven))
        }
        var exponent = Int(v.exponent)
        var mantissa = Int((v * Float(sign: .plus, exponent: 10 - exponent, significand: 1)).rounded(.toNearestOrEven))
        if mantissa == 2048 {
            exponent += 1
            mantissa = 1024
        }
        if exponent > 15 { return sign | 0x7c00 }
        return sign | UInt16(exponent + 15) << 10 | UInt16(mantissa - 1024)
    }

    /// bfloat16 bits of a float, rounded to nearest even (as ggml converts).
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        if value.isNaN { return UInt16(u >> 16) | 0x40 }
        return UInt16((u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16)
    }
}
