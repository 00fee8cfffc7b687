import Foundation
import Models
import Quantization

extension BenchmarkSuite {
    /// The forward pass of a real GGUF model: a 1,024-token prefill with the next-token NLL of every position
    /// (what `kvlab capture` computes), on 1 and `jobs` threads, with the arithmetic rate achieved; and the
    /// load (parse, dequantize, un-permute) once. Token ids are a fixed pseudo-random sequence: the cost does
    /// not depend on which tokens they are. Then one model-level trial (``modelLevel(_:file:)``).
    mutating func model(path: String) throws {
        let url = URL(fileURLWithPath: path)
        var llama: LlamaModel?
        var file: GGUFFile?
        try duration("model", "load \(url.lastPathComponent) (parse, dequantize to Float32)", repetitions: 1) {
            file = try GGUFFile(contentsOf: url)
            llama = try LlamaModel(gguf: file!)
        }
        guard let llama, let file else { return }
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
        try modelLevel(llama, file: file)
    }

    /// One model-level trial (KQV at n = 4, every layer and KV head quantized, all positions compared) on the
    /// first 512 tokens of `data/lighthouses.txt` (embedded in kvlab), tokenized with the model's tokenizer, on
    /// 1 and `jobs` threads. The exact run, which a sweep computes once per (model, text) and reuses for every
    /// trial, is timed once per thread count and reported on its own lines; the trial lines time the
    /// quantized run only (the quantizers of 2 × layers × KV heads, the quantized prefill and the metrics).
    mutating func modelLevel(_ llama: LlamaModel, file: GGUFFile) throws {
        let tokenizer = try loadTokenizer(from: file)
        var tokens = tokenizer.encode(
            String(decoding: PackageResources.lighthouses_txt, as: UTF8.self), parseSpecial: false)
        if tokenizer.addBOS, let bos = tokenizer.bos { tokens.insert(bos, at: 0) }
        tokens = Array(tokens.prefix(512))
        var config = TrialConfig()
        config.scheme = .KQV
        config.bits = 4
        config.dim = llama.dimensions.headDim
        let engine = TrialEngine()
        var exact: ExactModelRun?
        for threads in Set([1, jobs]).sorted() {
            let plural = threads == 1 ? "" : "s"
            let start = Self.now()
            exact = try llama.exactRun(tokens: tokens, threads: threads)
            record(
                "model", "model-level exact run, \(tokens.count) tokens (once per text), \(threads) thread\(plural)",
                "s", [Self.seconds(since: start)])
        }
        guard let exact else { return }
        var metrics: ModelLevelMetrics?
        var single = Double.nan
        for threads in Set([1, jobs]).sorted() {
            try duration(
                "model",
                "model-level trial KQV n=4, \(tokens.count) tokens, \(threads) thread\(threads == 1 ? "" : "s")"
            ) {
                metrics = try llama.modelLevelTrial(
                    exact: exact, engine: engine, config: config, seed: 1, trial: 0, threads: threads)
            }
            if threads == 1 { single = figures.last?.median ?? .nan }
        }
        guard let metrics else { return }
        let values = [metrics.nextKL, metrics.pplRatio, metrics.nextTop1Agree].map { String(format: "%.4g", $0) }
        notes.append(
            "model-level trial KQV n=4 on \(tokens.count) tokens: next_kl \(values[0]), ppl_ratio \(values[1]), "
                + "next_top1_agree \(values[2]); 1 thread \(Self.fixed(single, 2)) s (target < 15 s: "
                + "\(single < 15 ? "met" : "not met"))")
    }
}
