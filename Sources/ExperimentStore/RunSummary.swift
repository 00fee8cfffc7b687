import Quantization

/// The summary of one metric over a run's trials (a group of columns of `run_summaries`).
public struct MetricSummary: Sendable, Equatable {
    /// The metric.
    public var metric: Metric
    /// Trials whose value is a number (±Inf included; NaN and not-stored excluded).
    public var n: Int
    /// Trials whose value is NaN.
    public var nanCount: Int
    /// Mean over the n values, in trial order; nil when n = 0 or when undefined (+Inf and −Inf).
    public var mean: Double?
    /// Sample standard deviation (divisor n − 1, two-pass); nil when n < 2 or not finite.
    public var sd: Double?

    /// Creates a summary.
    public init(metric: Metric, n: Int, nanCount: Int, mean: Double?, sd: Double?) {
        self.metric = metric
        self.n = n
        self.nanCount = nanCount
        self.mean = mean
        self.sd = sd
    }
}

/// The summaries of a done run: one ``MetricSummary`` per metric and the content hash of its trial rows.
public struct RunSummary: Sendable, Equatable {
    /// The run.
    public var runID: Int64
    /// Trial rows summarised.
    public var trials: Int
    /// ``TrialContentHash`` of the rows.
    public var trialsHash: String
    /// One summary per metric, in ``Metric/allCases`` order.
    public var metrics: [MetricSummary]

    /// Creates a summary.
    public init(runID: Int64, trials: Int, trialsHash: String, metrics: [MetricSummary]) {
        self.runID = runID
        self.trials = trials
        self.trialsHash = trialsHash
        self.metrics = metrics
    }

    /// The summary of one metric.
    public subscript(metric: Metric) -> MetricSummary { metrics[metric.index] }

    /// Summarises trial rows.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - rows: trial index and each metric's stored value (nil when not stored; NaN for a stored NaN), in
    ///     ascending trial order.
    /// - Returns: the summary.
    /// - Complexity: O(trials × metrics).
    public static func compute(runID: Int64, rows: [(trial: Int, values: [Double?])]) -> RunSummary {
        var metrics: [MetricSummary] = []
        for metric in Metric.allCases {
            var sample: [Double] = []
            var nanCount = 0
            for row in rows {
                guard let value = row.values[metric.index] else { continue }
                if value.isNaN {
                    nanCount += 1
                } else {
                    sample.append(value)
                }
            }
            var mean: Double?
            var sd: Double?
            if !sample.isEmpty {
                let m = sample.reduce(0, +) / Double(sample.count)
                mean = m.isNaN ? nil : m
                if sample.count > 1, m.isFinite {
                    let squares = sample.reduce(0) { $0 + ($1 - m) * ($1 - m) }
                    let s = (squares / Double(sample.count - 1)).squareRoot()
                    sd = s.isFinite ? s : nil
                }
            }
            metrics.append(MetricSummary(metric: metric, n: sample.count, nanCount: nanCount, mean: mean, sd: sd))
        }
        return RunSummary(runID: runID, trials: rows.count, trialsHash: TrialContentHash.hash(rows), metrics: metrics)
    }
}
