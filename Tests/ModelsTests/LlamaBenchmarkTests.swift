import Foundation
import Models
import Testing

/// The file named by `KVLAB_BENCH_MODEL`, if any.
private let benchmarkModelPath = ProcessInfo.processInfo.environment["KVLAB_BENCH_MODEL"].flatMap {
    $0.isEmpty ? nil : $0
}

/// Prefill throughput on a real model, only when `KVLAB_BENCH_MODEL` names a Llama GGUF file; meant for
/// a release build:
///
///     KVLAB_BENCH_MODEL=.models/SmolLM2-135M-Instruct.Q4_1.gguf \
///         swift test -c release -Xswiftc -enable-testing --filter LlamaBenchmarkTests
@Suite(.enabled(if: benchmarkModelPath != nil)) struct LlamaBenchmarkTests {

    /// Multiply–adds × 2 of one prefill of `n` tokens: every weight matrix once per token (output head
    /// included) and the causal attention's two products over n(n+1)/2 query–key pairs per head.
    static func flops(_ d: LlamaDimensions, tokens n: Int) -> Double {
        let q = d.heads * d.headDim
        let kv = d.kvHeads * d.headDim
        let perLayer = 2 * d.dModel * q + 2 * d.dModel * kv + 3 * d.dModel * d.ffDim
        let matrices = Double(d.layers * perLayer + d.vocab * d.dModel) * Double(n)
        let attention = Double(d.layers * d.heads * d.headDim) * 2 * Double(n * (n + 1) / 2)
        return 2 * (matrices + attention)
    }

    @Test("1024-token prefill with next-token NLL, on 1 and 2 threads")
    func prefill() throws {
        let model = try LlamaModel(gguf: GGUFFile(contentsOf: URL(fileURLWithPath: try #require(benchmarkModelPath))))
        let dims = model.dimensions
        let tokens = (0..<1024).map { ($0 * 7919 + 13) % dims.vocab }
        let clock = ContinuousClock()
        var results: [Int: LlamaEvaluation] = [:]
        for threads in [1, 2] {
            let start = clock.now
            results[threads] = try model.evaluate(tokens: tokens, threads: threads)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let line = String(
                format: "prefill 1024 tokens, %d thread(s): %.2f s, %.1f tokens/s, %.1f GFLOP/s", threads, seconds,
                1024 / seconds, Self.flops(dims, tokens: 1024) / seconds / 1e9)
            print(line)
        }
        #expect(results[1] == results[2])
    }

    @Test("greedy decoding: 32 steps after a 64-token prompt, on 1 and 2 threads")
    func decode() throws {
        let model = try LlamaModel(gguf: GGUFFile(contentsOf: URL(fileURLWithPath: try #require(benchmarkModelPath))))
        let prompt = (0..<64).map { ($0 * 7919 + 13) % model.dimensions.vocab }
        let clock = ContinuousClock()
        var outputs: [[Int]] = []
        for threads in [1, 2] {
            let cache = model.makeCache(capacity: 96)
            _ = try model.logits(tokens: prompt, cache: cache, threads: threads)
            var token = prompt.last!
            var generated: [Int] = []
            let start = clock.now
            for _ in 0..<32 {
                let logits = try model.step(token: token, cache: cache, threads: threads)
                token = logits.indices.max { logits[$0] < logits[$1] }!
                generated.append(token)
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            print(String(format: "decode 32 steps, %d thread(s): %.1f tokens/s", threads, 32 / seconds))
            outputs.append(generated)
        }
        #expect(outputs[0] == outputs[1])
    }
}
