import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// The offline test model (SmolLM2-135M-Instruct, Q4_1), when it is on this machine.
@Suite(.enabled(if: TestModel.path != nil)) struct GGUFRealModelTests {
    /// One tensor of `Fixtures/gguf-dequant.json` (written by `scripts/golden/gguf_dequant.py` with the
    /// Python `gguf` package's dequantizers).
    struct Golden: Decodable {
        var name: String
        var type: String
        var dimensions: [Int]
        var first: [Double]
        var sum: Double
        var sum_abs: Double
        var sum_squares: Double
        var bit_checksum: String
    }

    struct Fixture: Decodable {
        var model_sha256: String
        var tensors: [Golden]
    }

    static func file() throws -> GGUFFile { try GGUFFile(contentsOf: try #require(TestModel.path)) }

    @Test func hyperparameters() throws {
        let file = try Self.file()
        #expect(file.version == 3)
        let h = try LlamaHyperparameters(file)
        #expect(h.layerCount == 30 && h.embeddingLength == 576 && h.feedForwardLength == 1536)
        #expect(h.headCount == 9 && h.kvHeadCount == 3 && h.headDimension == 64)
        #expect(h.ropeFrequencyBase == 100000 && h.rmsNormEpsilon == Double(Float(1e-5)))
        #expect(h.contextLength == 8192 && h.vocabularySize == 49152 && h.tiedOutput)
        #expect(file.string("tokenizer.ggml.model") == "gpt2")
        #expect(file.string("tokenizer.ggml.pre") == "smollm")
        #expect(file.strings("tokenizer.ggml.merges")?.first == "Ġ t")
        #expect(file.tensors.count == 272)
        var types: [GGUFTensorType: Int] = [:]
        for t in file.tensors { types[t.type, default: 0] += 1 }
        #expect(types == [.q4_1: 210, .f32: 61, .q8_0: 1])
        #expect(file.tensor(named: "token_embd.weight")?.type == .q8_0)
    }

    /// Every tensor dequantizes; the five golden tensors equal the Python `gguf` package's values bit for
    /// bit (first 32 values and a position-weighted checksum of every value's bits). The float64 sums are
    /// compared within the worst-case error of summing n values in a different order, (n − 1)·2^−53·Σ|x|:
    /// the fixture's sums are exactly rounded (math.fsum); here they are plain running sums.
    @Test func everyTensorAndTheGoldenValues() throws {
        let file = try Self.file()
        let url = try #require(Bundle.module.url(forResource: "Fixtures/gguf-dequant", withExtension: "json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.model_sha256 == TestModel.sha256)
        let golden = Dictionary(uniqueKeysWithValues: fixture.tensors.map { ($0.name, $0) })
        var seen = 0
        for t in file.tensors {
            let values = try file.dequantize(t)
            #expect(values.count == t.elementCount)
            guard let g = golden[t.name] else {
                let finite = values.allSatisfy(\.isFinite)
                #expect(finite, "\(t.name)")
                continue
            }
            seen += 1
            #expect(t.type.name == g.type && t.dimensions == g.dimensions)
            #expect(values.prefix(32).map(Double.init) == g.first, "\(t.name)")
            var checksum: UInt64 = 0
            var sum = 0.0
            var sumSquares = 0.0
            for (i, v) in values.enumerated() {
                checksum &+= UInt64(i + 1) &* UInt64(v.bitPattern)
                sum += Double(v)
                sumSquares += Double(v) * Double(v)
            }
            #expect(String(checksum) == g.bit_checksum, "\(t.name)")
            let bound = Double(values.count) * 0x1p-53
            #expect(abs(sum - g.sum) <= bound * g.sum_abs, "\(t.name): \(sum) vs \(g.sum)")
            #expect(abs(sumSquares - g.sum_squares) <= bound * g.sum_squares, "\(t.name)")
        }
        #expect(seen == fixture.tensors.count)
    }
}
