import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// Files written by the test writer read back with the same metadata, tensor directory and values.
@Suite struct GGUFRoundTripTests {
    /// Writes a file and opens it.
    static func open(_ writer: GGUFWriter, in dir: TemporaryDirectory) throws -> GGUFFile {
        let url = dir.url.appendingPathComponent("model.gguf")
        try writer.write(to: url)
        return try GGUFFile(contentsOf: url)
    }

    /// Metadata of every value type, including arrays of strings, nested arrays and an empty array.
    static let everyValue: [(String, GGUFValue)] = [
        ("u8", .uint8(250)), ("i8", .int8(-7)), ("u16", .uint16(65000)), ("i16", .int16(-30000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(-1.25e-3)),
        ("u64", .uint64(UInt64.max)), ("i64", .int64(Int64.min)), ("f64", .float64(0.1)), ("yes", .bool(true)),
        ("no", .bool(false)), ("text", .string("héllo, wörld ✓")), ("empty", .string("")),
        ("strings", .array([.string("a"), .string(""), .string("Ġthe")])),
        ("ints", .array([.int32(1), .int32(-2), .int32(3)])), ("floats", .array([.float32(0.5), .float32(-2)])),
        ("nested", .array([.array([.uint8(1), .uint8(2)]), .array([.uint8(3)]), .array([])])),
        ("deeper", .array([.array([.array([.string("x")])])])), ("none", .array([])),
    ]

    @Test(arguments: [UInt32(2), 3])
    func metadataOfEveryType(version: UInt32) throws {
        var w = GGUFWriter(version: version)
        for (k, v) in Self.everyValue { w.set(k, v) }
        let dir = try TemporaryDirectory()
        let file = try Self.open(w, in: dir)
        #expect(file.version == version)
        #expect(file.metadataKeys == Self.everyValue.map(\.0))
        for (k, v) in Self.everyValue { #expect(file.metadata[k] == v, "\(k)") }
        #expect(file.tensors.isEmpty)
        #expect(file.alignment == 32)
        #expect(file.integer("u64") == nil)  // UInt64.max does not fit an Int
        #expect(file.integer("i16") == -30000)
        #expect(file.integer("u32") == 4_000_000_000)
        #expect(file.float("f32") == Double(Float(-1.25e-3)))
        #expect(file.float("f64") == 0.1)
        #expect(file.float("u8") == 250)
        #expect(file.string("text") == "héllo, wörld ✓")
        #expect(file.string("u8") == nil)
        #expect(file.strings("strings") == ["a", "", "Ġthe"])
        #expect(file.strings("ints") == nil)
        #expect(file.integers("ints") == [1, -2, 3])
        #expect(file.integers("none") == [])
        #expect(file.string("missing") == nil)
    }

    /// Values on each type's grid, so that encoding loses nothing and the round trip is exact.
    static func gridValues(_ type: GGUFTensorType, count: Int) -> [Float] {
        (0..<count).map { i in
            let k = i % 32
            switch type {
            case .q8_0: return Float(k * 7 % 255 - 127) * 0.5  // d = 127·0.5/127 = 0.5 when 127 is present
            case .q4_0: return Float(k % 16 - 8) * 2  // largest magnitude −16 ⇒ d = 2
            case .q4_1: return Float(k % 16) * 0.25 - 1  // min −1, max 2.75 ⇒ d = 0.25, m = −1
            case .bf16: return Float(i - 40) * 0.125
            default: return Float(i) * 0.375 - 7  // exact in F16 and F32
            }
        }
    }

    @Test(arguments: [GGUFTensorType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1])
    func tensorsOfEveryType(type: GGUFTensorType) throws {
        for version in [UInt32(2), 3] {
            var w = GGUFWriter(version: version)
            w.set("general.architecture", .string("test"))
            let a = Self.gridValues(type, count: 64 * 3)
            let b = Self.gridValues(type, count: 32).reversed().map { $0 }
            w.addTensor("a", dimensions: [64, 3], type: type, values: a)
            w.addTensor("b.weight", dimensions: [32], type: type, values: b)
            let dir = try TemporaryDirectory()
            let file = try Self.open(w, in: dir)
            #expect(file.tensors.map(\.name) == ["a", "b.weight"])
            let ta = try #require(file.tensor(named: "a"))
            #expect(ta.dimensions == [64, 3] && ta.type == type && ta.elementCount == 192)
            #expect(ta.rowLength == 64 && ta.rowCount == 3)
            #expect(ta.offset == w.encoded().layout.tensorOffsets[0] && ta.offset % 32 == 0)
            #expect(ta.byteCount == 192 / type.blockSize * type.blockBytes)
            #expect(try file.dequantize(ta) == a)
            #expect(try file.dequantize(try #require(file.tensor(named: "b.weight"))) == b)
        }
    }

    /// Random values: the error of each quantized value is at most half a step (a whole step for Q4_0,
    /// whose codes −8…7 clamp the positive extreme at 7·d), plus the F16 rounding of the scale (at most
    /// 16·d·2^−11) and of Q4_1's minimum (|min|·2^−11).
    @Test(arguments: [GGUFTensorType.q8_0, .q4_0, .q4_1])
    func quantizationErrorIsBounded(type: GGUFTensorType) throws {
        var state: UInt64 = 42
        let values = (0..<32 * 8).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) * 0x1p-23 * 3
        }
        var w = GGUFWriter()
        w.addTensor("t", dimensions: [32, 8], type: type, values: values)
        let dir = try TemporaryDirectory()
        let file = try Self.open(w, in: dir)
        let got = try file.dequantize(try #require(file.tensor(named: "t")))
        for block in 0..<8 {
            let x = values[32 * block..<32 * block + 32]
            let (lo, hi) = (x.min()!, x.max()!)
            let amax = max(abs(lo), abs(hi))
            let step: Float =
                switch type {
                case .q8_0: amax / 127
                case .q4_0: amax / 8
                default: (hi - lo) / 15
                }
            let rounding = type == .q4_0 ? step : step / 2
            let bound = rounding + 16 * step * 0x1p-11 + abs(lo) * 0x1p-11 + 1e-6
            for i in x.indices { #expect(abs(got[i] - x[i]) <= bound, "\(type.name) element \(i)") }
        }
    }

    @Test func alignmentOtherThan32() throws {
        var w = GGUFWriter(alignment: 64)
        w.addTensor("x", dimensions: [3], values: [1, 2, 3])
        w.addTensor("y", dimensions: [5], values: [4, 5, 6, 7, 8])
        let dir = try TemporaryDirectory()
        let file = try Self.open(w, in: dir)
        #expect(file.alignment == 64)
        #expect(file.integer("general.alignment") == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.offset) == w.encoded().layout.tensorOffsets)
        #expect(file.tensors[1].offset - file.tensors[0].offset == 64)
        #expect(try file.dequantize(file.tensors[1]) == [4, 5, 6, 7, 8])
    }

    @Test func emptyTensors() throws {
        var w = GGUFWriter()
        w.addTensor("none", dimensions: [0], type: .q8_0, data: [])
        w.addTensor("rows", dimensions: [4, 0], values: [])
        w.addTensor("x", dimensions: [2], values: [1, 2])
        let dir = try TemporaryDirectory()
        let file = try Self.open(w, in: dir)
        #expect(file.tensors.map(\.elementCount) == [0, 0, 2])
        #expect(try file.dequantize(file.tensors[0]).isEmpty)
        #expect(try file.dequantize(file.tensors[1]).isEmpty)
        #expect(file.tensors[1].rowCount == 0)
        #expect(try file.dequantize(file.tensors[2]) == [1, 2])
    }

    @Test func tensorFromAnotherFileIsRefused() throws {
        var w = GGUFWriter()
        w.addTensor("x", dimensions: [3], values: [1, 2, 3])
        let dir = try TemporaryDirectory()
        let file = try Self.open(w, in: dir)
        var other = GGUFWriter()
        other.addTensor("x", dimensions: [6], values: [1, 2, 3, 4, 5, 6])
        let dir2 = try TemporaryDirectory()
        let foreign = try Self.open(other, in: dir2).tensors[0]
        #expect(throws: GGUFError.tensorNotInFile("x")) { try file.dequantize(foreign) }
    }

    /// The test writer's encoders make the same bytes as the Python `gguf` package's quantizers (ports of
    /// ggml's reference quantizers) from 64 random floats with ties and a zero block
    /// (`Fixtures/gguf-blocks.json`).
    @Test func writerEncodersEqualThePythonPackage() throws {
        struct Encoding: Decodable {
            var type: String
            var values: [Double]
            var bytes: String
        }
        struct Blocks: Decodable { var encodings: [Encoding] }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/gguf-blocks", withExtension: "json"))
        let blocks = try JSONDecoder().decode(Blocks.self, from: Data(contentsOf: url))
        #expect(blocks.encodings.map(\.type) == ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1"])
        for e in blocks.encodings {
            let type = try #require(GGUFTensorType.allCases.first { $0.name == e.type })
            let bytes = GGUFWriter.encode(e.values.map { Float($0) }, as: type)
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            #expect(hex == e.bytes, "\(e.type)")
        }
    }

    @Test func writerHalfRoundingIsToNearestEven() {
        // 1 + 2^−11 is halfway between 1 and 1 + 2^−10: ties to the even mantissa (1); 1 + 3·2^−11 → 1 + 2^−9.
        #expect(GGUFWriter.halfBits(1 + 0x1p-11) == 0x3C00)
        #expect(GGUFWriter.halfBits(1 + 3 * 0x1p-11) == 0x3C02)
        #expect(GGUFWriter.halfBits(65520) == 0x7C00)  // rounds up past the largest half: infinity
        #expect(GGUFWriter.halfBits(65519) == 0x7BFF)
        #expect(GGUFWriter.halfBits(0x1p-25) == 0x0000)  // halfway to the smallest subnormal: ties to 0
        #expect(GGUFWriter.halfBits(0x1p-25 * 3) == 0x0002)
        #expect(GGUFWriter.halfBits(-0.5) == 0xB800)
        #expect(GGUFWriter.bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
        #expect(GGUFWriter.bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd rounds up
    }
}
