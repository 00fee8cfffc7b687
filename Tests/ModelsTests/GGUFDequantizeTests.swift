import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// Each dequantizer against one block written byte by byte, with the expected values worked out by hand
/// from the block layout (not by running a second implementation).
@Suite struct GGUFDequantizeTests {
    /// A one-tensor file of raw bytes, read back.
    func values(_ type: GGUFTensorType, _ dimensions: [Int], _ bytes: [UInt8]) throws -> [Float] {
        var w = GGUFWriter()
        w.addTensor("t", dimensions: dimensions, type: type, data: bytes)
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("t.gguf")
        try w.write(to: url)
        let file = try GGUFFile(contentsOf: url)
        return try file.dequantize(try #require(file.tensor(named: "t")))
    }

    @Test func f32() throws {
        // 1.5 = 0x3FC00000, -0.25 = 0xBE800000 (little-endian bytes).
        #expect(try values(.f32, [2], [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x80, 0xBE]) == [1.5, -0.25])
    }

    @Test func f16() throws {
        // 0x3C00 = 1, 0xC000 = −2, 0x3800 = 0.5, 0x7BFF = 65504 (largest), 0x0001 = 2^−24 (smallest
        // subnormal), 0x03FF = 1023·2^−24, 0x7C00 = +∞, 0x8000 = −0.
        let bytes: [UInt8] = [
            0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B, 0x01, 0x00, 0xFF, 0x03, 0x00, 0x7C, 0x00, 0x80,
        ]
        let v = try values(.f16, [8], bytes)
        #expect(Array(v.prefix(7)) == [1, -2, 0.5, 65504, 0x1p-24, 1023 * 0x1p-24, .infinity])
        #expect(v[7] == 0 && v[7].sign == .minus)
    }

    @Test func f16NaNStaysNaN() throws {
        #expect(try values(.f16, [1], [0x01, 0x7E])[0].isNaN)
    }

    @Test func bf16() throws {
        // 0x3F80 = 1, 0xC040 = −3, 0x4049 = 0x40490000 = 3.140625.
        #expect(try values(.bf16, [3], [0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40]) == [1, -3, 3.140625])
    }

    @Test func q8_0() throws {
        // d = 0x3800 = 0.5; q = 1, −1 (0xFF), 127, −128 (0x80), then zeros.
        var bytes: [UInt8] = [0x00, 0x38, 0x01, 0xFF, 0x7F, 0x80]
        bytes += [UInt8](repeating: 0, count: 28)
        var expected: [Float] = [0.5, -0.5, 63.5, -64]
        expected += [Float](repeating: 0, count: 28)
        #expect(try values(.q8_0, [32], bytes) == expected)
    }

    @Test func q4_0() throws {
        // d = 0x4000 = 2. Byte 0 = 0x9F: low nibble 15 → element 0 = (15−8)·2 = 14; high nibble 9 →
        // element 16 = (9−8)·2 = 2. Byte 1 = 0x08: element 1 = 0, element 17 = (0−8)·2 = −16. The other
        // bytes are 0x88: every other element is 0.
        var bytes: [UInt8] = [0x00, 0x40, 0x9F, 0x08]
        bytes += [UInt8](repeating: 0x88, count: 14)
        var expected = [Float](repeating: 0, count: 32)
        expected[0] = 14
        expected[16] = 2
        expected[17] = -16
        #expect(try values(.q4_0, [32], bytes) == expected)
    }

    @Test func q4_1() throws {
        // d = 0x3C00 = 1, m = 0xBC00 = −1. Byte 0 = 0x5A: element 0 = 10·1 − 1 = 9, element 16 = 5 − 1 = 4;
        // the other bytes are 0: every other element is m = −1.
        var bytes: [UInt8] = [0x00, 0x3C, 0x00, 0xBC, 0x5A]
        bytes += [UInt8](repeating: 0, count: 15)
        var expected = [Float](repeating: -1, count: 32)
        expected[0] = 9
        expected[16] = 4
        #expect(try values(.q4_1, [32], bytes) == expected)
    }

    @Test func q4_1TwoRows() throws {
        // Two blocks, two rows: row 1 has d = 0.5, m = 2 and all nibbles 0xF: 15·0.5 + 2 = 9.5.
        var bytes: [UInt8] = [0x00, 0x3C, 0x00, 0x00] + [UInt8](repeating: 0x21, count: 16)
        bytes += [0x00, 0x38, 0x00, 0x40] + [UInt8](repeating: 0xFF, count: 16)
        // Row 0: d = 1, m = 0, low nibble 1, high nibble 2.
        let expected =
            [Float](repeating: 1, count: 16) + [Float](repeating: 2, count: 16)
            + [Float](repeating: 9.5, count: 32)
        #expect(try values(.q4_1, [32, 2], bytes) == expected)
    }

    @Test func q4_K() throws {
        // d = 1 (0x3C00), dmin = 0.5 (0x3800). Scale bytes:
        //   0…3  = 02 03 04 45: scales of pairs 0…3 = 2, 3, 4, 5 (low six bits); byte 3's top bits (01) are
        //          the top bits of pair 7's scale.
        //   4…7  = 01 00 00 C0: mins of pairs 0…3 = 1, 0, 0, 0; byte 7's top bits (11) are the top bits of
        //          pair 7's min.
        //   8…11 = 21 00 00 12: pair 4 = (scale 1, min 2); pairs 5, 6 = (0, 0); pair 7 = (scale 2 | 1<<4 =
        //          18, min 1 | 3<<4 = 49).
        // Nibbles: byte 0 = 0x53 (element 0: q 3 with pair 0; element 32: q 5 with pair 1), byte 127 = 0xF0
        // (element 223: q 0 with pair 6; element 255: q 15 with pair 7); all other bytes 0.
        var bytes: [UInt8] = [0x00, 0x3C, 0x00, 0x38]
        bytes += [0x02, 0x03, 0x04, 0x45, 0x01, 0x00, 0x00, 0xC0, 0x21, 0x00, 0x00, 0x12]
        var qs = [UInt8](repeating: 0, count: 128)
        qs[0] = 0x53
        qs[127] = 0xF0
        bytes += qs
        var expected = [Float](repeating: 0, count: 256)
        // x = d·scale·q − dmin·min.
        for i in 0..<32 { expected[i] = -0.5 }  // pair 0, q 0: −0.5·1
        expected[0] = 2 * 3 - 0.5  // 5.5
        expected[32] = 3 * 5  // pair 1: 15
        for i in 128..<160 { expected[i] = -1 }  // pair 4, q 0: −0.5·2
        for i in 224..<256 { expected[i] = -24.5 }  // pair 7, q 0: −0.5·49
        expected[255] = 18 * 15 - 24.5  // 245.5
        #expect(try values(.q4_K, [256], bytes) == expected)
    }

    @Test func q6_K() throws {
        // ql (128 bytes): ql[0] = 0x21, ql[32] = 0x43, ql[64] = 0x0F; qh (64 bytes): qh[0] = 0xE4 (bit pairs
        // 0, 1, 2, 3 from the bottom), qh[32] = 0x03; scales (16 signed bytes) 2 1 −1 1 1 1 3 1, then 4 × 8;
        // d = 0.5 (0x3800). x = d·scale·(q − 32), scale index = element / 16.
        var ql = [UInt8](repeating: 0, count: 128)
        ql[0] = 0x21
        ql[32] = 0x43
        ql[64] = 0x0F
        var qh = [UInt8](repeating: 0, count: 64)
        qh[0] = 0xE4
        qh[32] = 0x03
        let scales: [Int8] = [2, 1, -1, 1, 1, 1, 3, 1, 4, 4, 4, 4, 4, 4, 4, 4]
        let bytes = ql + qh + scales.map { UInt8(bitPattern: $0) } + [0x00, 0x38]
        // Every element whose bits are all 0 has q = −32: d·scale·(−32) = −16·scale.
        var expected = (0..<256).map { Float(-16 * Int(scales[$0 / 16])) }
        expected[0] = 0.5 * 2 * (1 - 32)  // ql[0] low 1, qh[0] bits 0–1 = 0: −31
        expected[32] = 0.5 * -1 * (3 + 16 - 32)  // ql[32] low 3, qh[0] bits 2–3 = 1: 6.5
        expected[64] = 0.5 * 1 * (2 + 32 - 32)  // ql[0] high 2, qh[0] bits 4–5 = 2: 1
        expected[96] = 0.5 * 3 * (4 + 48 - 32)  // ql[32] high 4, qh[0] bits 6–7 = 3: 30
        expected[128] = 0.5 * 4 * (15 + 48 - 32)  // second half: ql[64] low 15, qh[32] bits 0–1 = 3: 62
        #expect(try values(.q6_K, [256], bytes) == expected)
    }

    /// Two blocks of random bytes per type, dequantized by the Python `gguf` package
    /// (`Fixtures/gguf-blocks.json`, written by `scripts/golden/gguf_dequant.py`): equal bit for bit.
    @Test func randomBlocksEqualThePythonPackage() throws {
        struct Case: Decodable {
            var type: String
            var bytes: String
            var values: [Double]
        }
        struct Blocks: Decodable { var cases: [Case] }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/gguf-blocks", withExtension: "json"))
        let blocks = try JSONDecoder().decode(Blocks.self, from: Data(contentsOf: url))
        #expect(blocks.cases.map(\.type) == ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"])
        for c in blocks.cases {
            let type = try #require(GGUFTensorType.allCases.first { $0.name == c.type })
            var bytes: [UInt8] = []
            var hex = c.bytes[...]
            while !hex.isEmpty {
                bytes.append(try #require(UInt8(hex.prefix(2), radix: 16)))
                hex = hex.dropFirst(2)
            }
            let got = try values(type, [c.values.count], bytes)
            #expect(got.count == c.values.count, "\(c.type)")
            if let i = got.indices.first(where: { $0 < c.values.count && Double(got[$0]) != c.values[$0] }) {
                Issue.record("\(c.type) value \(i): \(got[i]) ≠ \(c.values[i]) (gguf)")
            }
        }
    }

    @Test func halfConversionCoversEveryBitPattern() {
        // Against the definition: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14 · m/1024.
        for bits in 0...UInt16.max {
            let s: Float = bits & 0x8000 != 0 ? -1 : 1
            let e = Int(bits >> 10) & 0x1f
            let m = Float(bits & 0x3ff)
            let got = GGUFDequantizer.halfToFloat(bits)
            if e == 31 {
                #expect(m == 0 ? got == s * .infinity : got.isNaN)
            } else {
                let expected =
                    e == 0 ? s * m * 0x1p-24 : s * Float(sign: .plus, exponent: e - 15, significand: 1 + m / 1024)
                if got.bitPattern != expected.bitPattern {
                    Issue.record("half \(bits): \(got) ≠ \(expected)")
                    return
                }
            }
        }
    }

    @Test func rowsIntoBuffer() throws {
        // Q8_0, 3 rows of 32: row r holds q = r + 1 with d = 1.
        var w = GGUFWriter()
        var bytes: [UInt8] = []
        for r in 0..<3 { bytes += [0x00, 0x3C] + [UInt8](repeating: UInt8(r + 1), count: 32) }
        w.addTensor("t", dimensions: [32, 3], type: .q8_0, data: bytes)
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("t.gguf")
        try w.write(to: url)
        let file = try GGUFFile(contentsOf: url)
        let t = try #require(file.tensor(named: "t"))
        var out = [Float](repeating: 0, count: 64)
        try out.withUnsafeMutableBufferPointer { try file.dequantize(t, rows: 1..<3, into: $0) }
        #expect(out == [Float](repeating: 2, count: 32) + [Float](repeating: 3, count: 32))
        var small = [Float](repeating: 0, count: 10)
        #expect(throws: GGUFError.invalidRequest(tensor: "t", reason: "the buffer holds 10 floats; 1 rows need 32")) {
            try small.withUnsafeMutableBufferPointer { try file.dequantize(t, rows: 0..<1, into: $0) }
        }
        #expect(throws: GGUFError.invalidRequest(tensor: "t", reason: "rows 2..<4 are outside 0..<3")) {
            try out.withUnsafeMutableBufferPointer { try file.dequantize(t, rows: 2..<4, into: $0) }
        }
    }
}
