import Foundation

/// Writes small dataset files for the tests: safetensors files of any dtype and header, and directories of
/// `.npy` files (shared by the test targets).
public enum DatasetFileWriter {
    /// The shape of a test dataset.
    public struct Shape {
        public var layers = 2
        public var kvHeads = 2
        public var queryHeads = 4
        public var tokens = 16
        public var headDim = 8

        /// The default small shape.
        public init() {}
    }

    /// A tensor of a file: name, shape and values (row-major).
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        /// A tensor by name, shape and values.
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// A deterministic value, exactly representable in F16 and BF16: a multiple of 1/8 in [−4, 4).
    public static func value(_ kind: String, _ layer: Int, _ head: Int, _ t: Int, _ c: Int, seed: Int = 0) -> Float {
        let k = kind == "k" ? 0 : kind == "v" ? 1 : 2
        let n = (k * 29 + layer * 13 + head * 7 + t * 5 + c * 3 + t * c + seed * 17) % 64
        return Float(n - 32) / 8
    }

    /// The tensors `layers.{l}.k|v|q` of a shape, in file order (layer by layer, k, v, q).
    public static func tensors(_ shape: Shape = Shape(), seed: Int = 0) -> [Tensor] {
        var out: [Tensor] = []
        for layer in 0..<shape.layers {
            for kind in ["k", "v", "q"] {
                let heads = kind == "q" ? shape.queryHeads : shape.kvHeads
                var values: [Float] = []
                for head in 0..<heads {
                    for t in 0..<shape.tokens {
                        for c in 0..<shape.headDim { values.append(value(kind, layer, head, t, c, seed: seed)) }
                    }
                }
                out.append(
                    Tensor(
                        name: "layers.\(layer).\(kind)", shape: [heads, shape.tokens, shape.headDim], values: values))
            }
        }
        return out
    }

    /// The metadata every file needs.
    public static let baseMetadata: [(String, String)] = [
        ("format", "kvlab-caches/1"), ("coordinate_order", "rotate-half"),
    ]

    /// IEEE binary16 bits of a float that is exactly representable as a normal half (or zero).
    public static func halfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if value == 0 { return sign }
        let exponent = Int((bits >> 23) & 0xff) - 127 + 15
        precondition(exponent > 0 && exponent < 31 && bits & 0x1fff == 0, "not exactly a normal half: \(value)")
        return sign | UInt16(exponent) << 10 | UInt16((bits >> 13) & 0x3ff)
    }

    /// Values as little-endian bytes of a dtype (`F32`, `F16`, `BF16`; BF16 keeps the upper 16 bits).
    public static func bytes(_ values: [Float], dtype: String) -> [UInt8] {
        var out: [UInt8] = []
        for value in values {
            switch dtype {
            case "F16":
                let h = halfBits(value)
                out += [UInt8(h & 0xff), UInt8(h >> 8)]
            case "BF16":
                let b = UInt16(value.bitPattern >> 16)
                out += [UInt8(b & 0xff), UInt8(b >> 8)]
            default:
                let b = value.bitPattern
                out += [UInt8(b & 0xff), UInt8((b >> 8) & 0xff), UInt8((b >> 16) & 0xff), UInt8(b >> 24)]
            }
        }
        return out
    }

    /// A JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The header JSON and data of a safetensors file (edit the JSON to make a lying header).
    public static func safetensorsParts(
        _ tensors: [Tensor], dtype: String = "F32", metadata: [(String, String)]? = baseMetadata
    ) -> (header: String, data: [UInt8]) {
        var entries: [String] = []
        if let metadata {
            entries.append(
                "\"__metadata__\":{" + metadata.map { quoted($0.0) + ":" + quoted($0.1) }.joined(separator: ",") + "}")
        }
        var data: [UInt8] = []
        for tensor in tensors {
            let bytes = bytes(tensor.values, dtype: dtype)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(quoted(tensor.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(data.count),"
                    + "\(data.count + bytes.count)]}")
            data += bytes
        }
        return ("{" + entries.joined(separator: ",") + "}", data)
    }

    /// A safetensors file from a header text and data.
    public static func safetensors(header: String, data: [UInt8]) -> [UInt8] {
        let text = Array(header.utf8)
        var out: [UInt8] = []
        for i in 0..<8 { out.append(UInt8((UInt64(text.count) >> (8 * UInt64(i))) & 0xff)) }
        return out + text + data
    }

    /// A safetensors file of tensors.
    public static func safetensors(
        _ tensors: [Tensor], dtype: String = "F32", metadata: [(String, String)]? = baseMetadata
    ) -> [UInt8] {
        let parts = safetensorsParts(tensors, dtype: dtype, metadata: metadata)
        return safetensors(header: parts.header, data: parts.data)
    }

    /// A `.npy` file (format 1.0) of values in a dtype (`<f4` or `<f2`, or any descr with raw bytes given).
    public static func npy(shape: [Int], descr: String = "<f4", values: [Float], fortran: Bool = false) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(dims), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        out += bytes(values, dtype: descr == "<f2" ? "F16" : "F32")
        return out
    }

    /// Writes a directory of `.npy` files and a `metadata.json`.
    public static func npyDirectory(
        at url: URL, _ tensors: [Tensor], descr: String = "<f4",
        metadataJSON: String? =
            "{\"format\": \"kvlab-caches/1\", \"coordinate_order\": \"rotate-half\"}"
    ) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for tensor in tensors {
            try Data(npy(shape: tensor.shape, descr: descr, values: tensor.values))
                .write(to: url.appendingPathComponent(tensor.name + ".npy"))
        }
        if let metadataJSON {
            try Data(metadataJSON.utf8).write(to: url.appendingPathComponent("metadata.json"))
        }
    }

    /// Writes bytes to a file.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Rows of d values from interleaved RoPE pairs to rotate-half: (2i, 2i+1) → (i, i + d/2).
    public static func rotateHalf(_ values: [Float], d: Int) -> [Float] {
        var out = values
        for row in 0..<(values.count / d) {
            for i in 0..<(d / 2) {
                out[row * d + i] = values[row * d + 2 * i]
                out[row * d + d / 2 + i] = values[row * d + 2 * i + 1]
            }
        }
        return out
    }

    /// Rows of d values from rotate-half to interleaved: (i, i + d/2) → (2i, 2i+1).
    public static func interleave(_ values: [Float], d: Int) -> [Float] {
        var out = values
        for row in 0..<(values.count / d) {
            for i in 0..<(d / 2) {
                out[row * d + 2 * i] = values[row * d + i]
                out[row * d + 2 * i + 1] = values[row * d + d / 2 + i]
            }
        }
        return out
    }
}
