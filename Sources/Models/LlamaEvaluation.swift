import Quantization
import Statistics

/// How well a model predicts a token sequence: per position, the negative log-likelihood of the next
/// token and the most likely token.
public struct LlamaEvaluation: Sendable, Equatable {
    /// `nll[t]` = −ln p(tokens[t+1] | tokens[0…t]) in nats, for t in 0..<tokens.count − 1 (log-softmax
    /// in `Double`).
    public let nll: [Double]
    /// `argmax[t]` = the most likely token after tokens[0…t] (the first of equal maxima), for every
    /// position.
    public let argmax: [Int]
    /// The evaluated token ids.
    public let tokens: [Int]

    /// The mean of ``nll`` (NaN for a single token, which predicts nothing).
    public var meanNLL: Double { nll.isEmpty ? .nan : nll.reduce(0, +) / Double(nll.count) }

    /// exp(``meanNLL``).
    public var perplexity: Double { Elementary.exp(meanNLL) }

    /// The fraction of positions t < tokens.count − 1 whose argmax is tokens[t+1] (NaN for a single token).
    public var top1Accuracy: Double {
        guard tokens.count > 1 else { return .nan }
        let hits = (0..<(tokens.count - 1)).count { argmax[$0] == tokens[$0 + 1] }
        return Double(hits) / Double(tokens.count - 1)
    }
}

extension LlamaModel {
    /// Runs `tokens` from position 0 and reduces each row of logits as it is computed (log-softmax in
    /// `Double`, rows split between the threads), so memory stays O(vocab) per row in flight whatever
    /// the length.
    ///
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func evaluate(tokens: [Int], threads: Int = 1, hooks: LlamaHooks = LlamaHooks()) throws -> LlamaEvaluation {
        let n = tokens.count
        let vocab = dimensions.vocab
        let logSumExp = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let targets = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let argmax = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        defer {
            logSumExp.deallocate()
            targets.deallocate()
            argmax.deallocate()
        }
        try forward(tokens: tokens, threads: threads, hooks: hooks) { positions, rows in
            FloatKernels.parallelFor(positions.count, threads: threads) { r in
                let p = positions.lowerBound + r
                let row = UnsafeBufferPointer(rebasing: rows[(r * vocab)..<((r + 1) * vocab)])
                let statistics = Self.logSoftmaxStatistics(row)
                logSumExp[p] = statistics.logSumExp
                argmax[p] = statistics.argmax
                targets[p] = p + 1 < n ? Double(row[tokens[p + 1]]) : 0
            }
        }
        return LlamaEvaluation(
            nll: (0..<max(n - 1, 0)).map { logSumExp[$0] - targets[$0] }, argmax: Array(argmax), tokens: tokens)
    }

    /// The perplexity of `tokens` (exp of the mean next-token NLL; see ``evaluate(tokens:threads:hooks:)``).
    ///
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func perplexity(tokens: [Int], threads: Int = 1) throws -> Double {
        try evaluate(tokens: tokens, threads: threads).perplexity
    }

    /// The log-probabilities (log-softmax in `Double`) of every next token at every position:
    /// `tokens.count` rows of `vocab` values (8·vocab bytes per token: for short inputs).
    ///
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func logProbabilities(tokens: [Int], threads: Int = 1) throws -> [[Double]] {
        var result: [[Double]] = []
        let vocab = dimensions.vocab
        try forward(tokens: tokens, threads: threads) { positions, rows in
            for r in 0..<positions.count {
                let row = UnsafeBufferPointer(rebasing: rows[(r * vocab)..<((r + 1) * vocab)])
                let logSumExp = Self.logSoftmaxStatistics(row).logSumExp
                result.append(row.map { Double($0) - logSumExp })
            }
        }
        return result
    }
}
