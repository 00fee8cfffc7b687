/// Seeded, reproducible nonparametric bootstrap confidence intervals (percentile and BCa) for a mean, a
/// paired mean difference and a paired ratio of means.
///
/// Reproducibility: resample indices are drawn by ``uniformIndex(below:using:)`` — Lemire's
/// multiply-and-reject method on `next()` of the caller's generator, which is unbiased and, unlike the
/// standard library's `Int.random(in:using:)`, fixed here — in row-major order (resample 1's n indices, then
/// resample 2's, …). The same generator state, data, `resamples` and `confidence` therefore always give
/// identical bounds. Paired statistics resample pairs (one index picks aᵢ and bᵢ together).
///
/// Degenerate inputs never trap: fewer than 2 values, fewer than 1 resample, a non-finite estimate
/// (e.g. mean_a = 0 for a ratio) or a non-finite replicate (a resample with mean_a = 0) give NaN bounds;
/// identical values give bounds equal to the estimate.
public enum Bootstrap {
    /// Default number of resamples B.
    public static let defaultResamples = 2000

    /// Interval for the mean of `values`.
    ///
    /// - Parameters:
    ///   - values: the sample (e.g. one value per seed).
    ///   - confidence: two-sided level in (0, 1); default 0.95.
    ///   - resamples: number of bootstrap resamples B; default ``defaultResamples``.
    ///   - generator: the random source, advanced by n·B index draws.
    /// - Returns: percentile and BCa intervals of the mean.
    /// - Complexity: O(n·B + B log B).
    public static func mean(
        _ values: [Double], confidence: Double = 0.95, resamples: Int = defaultResamples,
        using generator: inout some RandomNumberGenerator
    ) -> BootstrapInterval {
        let statistic = Statistic(numerator: values, denominator: nil)
        return interval(statistic, confidence: confidence, resamples: resamples) {
            uniformIndex(below: $0, using: &generator)
        }
    }

    /// Interval for the mean paired difference mean(b − a).
    ///
    /// - Parameters:
    ///   - a: first member of each pair.
    ///   - b: second member of each pair; same count as `a` (precondition).
    ///   - confidence: two-sided level in (0, 1); default 0.95.
    ///   - resamples: number of bootstrap resamples B; default ``defaultResamples``.
    ///   - generator: the random source, advanced by n·B index draws.
    /// - Returns: percentile and BCa intervals of mean(b − a).
    /// - Complexity: O(n·B + B log B).
    public static func meanDifference(
        _ a: [Double], _ b: [Double], confidence: Double = 0.95, resamples: Int = defaultResamples,
        using generator: inout some RandomNumberGenerator
    ) -> BootstrapInterval {
        precondition(a.count == b.count, "Bootstrap.meanDifference: paired samples must have equal counts")
        let statistic = Statistic(numerator: zip(a, b).map { $1 - $0 }, denominator: nil)
        return interval(statistic, confidence: confidence, resamples: resamples) {
            uniformIndex(below: $0, using: &generator)
        }
    }

    /// Interval for the ratio of means mean(b)/mean(a), resampling pairs.
    ///
    /// - Parameters:
    ///   - a: first member of each pair (the denominator's sample, e.g. scheme A per seed).
    ///   - b: second member of each pair (the numerator's sample); same count as `a` (precondition).
    ///   - confidence: two-sided level in (0, 1); default 0.95.
    ///   - resamples: number of bootstrap resamples B; default ``defaultResamples``.
    ///   - generator: the random source, advanced by n·B index draws.
    /// - Returns: percentile and BCa intervals of mean(b)/mean(a); NaN bounds when mean(a) = 0 in the data
    ///   or in any resample.
    /// - Complexity: O(n·B + B log B).
    public static func ratioOfMeans(
        _ a: [Double], _ b: [Double], confidence: Double = 0.95, resamples: Int = defaultResamples,
        using generator: inout some RandomNumberGenerator
    ) -> BootstrapInterval {
        precondition(a.count == b.count, "Bootstrap.ratioOfMeans: paired samples must have equal counts")
        let statistic = Statistic(numerator: b, denominator: a)
        return interval(statistic, confidence: confidence, resamples: resamples) {
            uniformIndex(below: $0, using: &generator)
        }
    }

    /// A uniformly distributed index in 0..<n from the generator's raw 64-bit output (Lemire 2019,
    /// "Fast random integer generation in an interval": multiply, and reject the few low products that
    /// would bias the result). The algorithm is fixed here so that seeded results never change with the
    /// standard library.
    ///
    /// - Parameters:
    ///   - n: exclusive upper bound, n ≥ 1.
    ///   - generator: the random source; consumes one `next()` (rarely more).
    /// - Returns: an index in 0..<n.
    static func uniformIndex(below n: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let bound = UInt64(n)
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// A statistic of paired data: mean(numerator) or, with a denominator, mean(numerator)/mean(denominator).
    struct Statistic {
        /// Values averaged in the numerator.
        let numerator: [Double]
        /// Values averaged in the denominator, if the statistic is a ratio of means.
        let denominator: [Double]?

        /// Number of observations (pairs).
        var count: Int { numerator.count }

        /// The statistic from sums over a (re)sample of `size` observations.
        func value(numeratorSum: Double, denominatorSum: Double, size: Int) -> Double {
            let mean = numeratorSum / Double(size)
            guard denominator != nil else { return mean }
            return mean / (denominatorSum / Double(size))
        }

        /// The statistic on the full data.
        var estimate: Double {
            value(
                numeratorSum: numerator.reduce(0, +), denominatorSum: denominator?.reduce(0, +) ?? 0, size: count)
        }

        /// Leave-one-out (jackknife) values of the statistic.
        var jackknife: [Double] {
            let total = numerator.reduce(0, +)
            let denominatorTotal = denominator?.reduce(0, +) ?? 0
            return (0..<count).map { i in
                value(
                    numeratorSum: total - numerator[i], denominatorSum: denominatorTotal - (denominator?[i] ?? 0),
                    size: count - 1)
            }
        }
    }

    /// The bootstrap engine: B resamples of n indices from `nextIndex(n)`, then percentile and BCa bounds.
    ///
    /// - Parameters:
    ///   - statistic: the statistic and its data.
    ///   - confidence: two-sided level in (0, 1).
    ///   - resamples: number of resamples B.
    ///   - nextIndex: returns a uniform index in 0..<n (the argument); called n·B times in row-major order.
    static func interval(
        _ statistic: Statistic, confidence: Double, resamples: Int, nextIndex: (Int) -> Int
    ) -> BootstrapInterval {
        let n = statistic.count
        let estimate = n == 0 ? Double.nan : statistic.estimate
        guard n >= 2, resamples >= 1, estimate.isFinite, confidence > 0, confidence < 1 else {
            return .undefined(estimate: estimate, confidence: confidence, resamples: resamples)
        }
        var replicates = [Double](repeating: 0, count: resamples)
        for row in 0..<resamples {
            var numeratorSum = 0.0
            var denominatorSum = 0.0
            for _ in 0..<n {
                let index = nextIndex(n)
                numeratorSum += statistic.numerator[index]
                if let denominator = statistic.denominator { denominatorSum += denominator[index] }
            }
            replicates[row] = statistic.value(numeratorSum: numeratorSum, denominatorSum: denominatorSum, size: n)
        }
        return interval(
            estimate: estimate, replicates: replicates, jackknife: statistic.jackknife, confidence: confidence)
    }

    /// Percentile and BCa bounds from a bootstrap distribution and jackknife values (scipy's
    /// `bootstrap(method='percentile'|'BCa')` formulas, quantiles by linear interpolation).
    ///
    /// - Parameters:
    ///   - estimate: the statistic on the data, θ̂.
    ///   - replicates: the statistic on each resample, θ*_b.
    ///   - jackknife: the statistic with each observation left out, θ₍ᵢ₎.
    ///   - confidence: two-sided level in (0, 1).
    static func interval(
        estimate: Double, replicates: [Double], jackknife: [Double], confidence: Double
    ) -> BootstrapInterval {
        let resamples = replicates.count
        guard estimate.isFinite, resamples > 0, replicates.allSatisfy(\.isFinite) else {
            return .undefined(estimate: estimate, confidence: confidence, resamples: resamples)
        }
        let sorted = replicates.sorted()
        let alpha = (1 - confidence) / 2
        var result = BootstrapInterval.undefined(estimate: estimate, confidence: confidence, resamples: resamples)
        result.percentileLow = Summary.quantile(sorted, alpha)
        result.percentileHigh = Summary.quantile(sorted, 1 - alpha)

        // Bias correction: share of replicates below θ̂, ties counting ½.
        var below = 0
        var notAbove = 0
        for value in replicates {
            if value < estimate { below += 1 }
            if value <= estimate { notAbove += 1 }
        }
        let z0 = Distributions.normalQuantile(Double(below + notAbove) / Double(2 * resamples))
        // Acceleration from the jackknife.
        let jackknifeMean = jackknife.reduce(0, +) / Double(jackknife.count)
        var squares = 0.0
        var cubes = 0.0
        for value in jackknife {
            let deviation = jackknifeMean - value
            squares += deviation * deviation
            cubes += deviation * deviation * deviation
        }
        let acceleration = squares > 0 ? cubes / (6 * (squares * squares * squares).squareRoot()) : 0
        result.biasCorrection = z0
        result.acceleration = acceleration
        guard z0.isFinite, acceleration.isFinite else { return result }
        let zLow = Distributions.normalQuantile(alpha)
        func adjusted(_ z: Double) -> Double {
            let shifted = z0 + z
            return SpecialFunctions.normalCDF(z0 + shifted / (1 - acceleration * shifted))
        }
        result.bcaLow = Summary.quantile(sorted, adjusted(zLow))
        result.bcaHigh = Summary.quantile(sorted, adjusted(-zLow))
        return result
    }
}
