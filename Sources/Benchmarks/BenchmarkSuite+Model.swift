import Foundation
import Models

extension BenchmarkSuite {
    /// The forward pass of a real GGUF model: a 1,024-token prefill with the next-token NLL of every position
    /// (what `kvlab capture` computes), on 1 and `jobs` threads, with the arithmetic rate achieved; and the
    /// load (parse, dequantize, un-permute) once. Token ids are a fixed pseudo-random sequence: the cost does
    /// not depend on which tokens they are.
    mutating func model(path: String) throws {
        let url = URL(fileURLWithPath: path)
        var llama: LlamaModel?
        try duration("model", "load \(url.lastPathComponent) (parse, dequantize to Float32)", repetitions: 1) {
            llama = try LlamaModel(gguf: try GGUFFile(contentsOf: url))
        }
        guard let llama else { return }
        let d = llama.dimensions
        let tokens = (0..<1024).map { (($0 &* 7919) &+ 104_729) % d.vocab }
        // Multiply-adds per token: the projections, the MLP and the output head, plus attention over the
        // average prefix (T/2 positions, QKᵀ and PV for every query head).
        let projections = d.dModel * d.headDim * (d.heads + 2 * d.kvHeads) + d.heads * d.headDim * d.dModel
        let mlp = 3 * d.dModel * d.ffDim
        let attention = 2 * d.heads * d.headDim * tokens.count / 2
        let flopsPerToken = 2.0 * Double(d.layers * (projections + mlp + attention) + d.dModel * d.vocab)
        notes.append("model: \(Self.fixed(flopsPerToken / 1e9, 3)) GFLOP per token of a 1024-token prefill")
        for threads in Set([1, jobs]).sorted() {
            var failure: Error?
            rate("model", "prefill 1024 tokens with NLL, \(threads) thread\(threads == 1 ? "" : "s")", unit: "tokens/s")
            {
                do {
                    _ = try llama.evaluate(tokens: tokens, threads: threads)
                } catch {
                    failure = error
                }
                return tokens.count
            }
            if let failure { throw failure }
            let median = figures.last?.median ?? .nan
            notes.append(
                "model, \(threads) thread\(threads == 1 ? "" : "s"): \(Self.fixed(median * flopsPerToken / 1e9, 1)) GFLOP/s"
            )
        }
    }
}
