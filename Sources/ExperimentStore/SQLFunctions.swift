import GRDB
import Statistics

/// The SQL functions kvlab registers on every connection it opens (writer and readers).
///
/// Aggregates (NULLs and non-numeric values are ignored; an empty group gives NULL):
/// - `stddev(x)`, `variance(x)`: sample standard deviation and variance (divisor n − 1; NULL when n < 2);
/// - `median(x)`, `percentile(x, p)`: the p-th percentile, p in 0…100, by linear interpolation between
///   the closest ranks (position p/100·(n − 1) of the sorted values, as numpy's default).
///
/// Scalars (NULL in, NULL out; NaN results are NULL in SQLite):
/// - `normal_cdf(x)`, `normal_quantile(p)`: standard normal Φ and Φ⁻¹;
/// - `t_cdf(t, df)`, `t_quantile(p, df)`: Student's t CDF and quantile with df > 0 degrees of freedom.
///
/// These exist for ad-hoc use; the views and shipped claims need none of them (they run in plain `sqlite3`).
public enum SQLFunctions {
    /// Every function, ready for `Database.add(function:)`.
    public static let all: [DatabaseFunction] = [
        DatabaseFunction("stddev", argumentCount: 1, pure: true, aggregate: StdDevAggregate.self),
        DatabaseFunction("variance", argumentCount: 1, pure: true, aggregate: VarianceAggregate.self),
        DatabaseFunction("median", argumentCount: 1, pure: true, aggregate: MedianAggregate.self),
        DatabaseFunction("percentile", argumentCount: 2, pure: true, aggregate: PercentileAggregate.self),
        DatabaseFunction("normal_cdf", argumentCount: 1, pure: true) { args in
            double(args[0]).map { SpecialFunctions.normalCDF($0) }
        },
        DatabaseFunction("normal_quantile", argumentCount: 1, pure: true) { args in
            double(args[0]).map { Distributions.normalQuantile($0) }
        },
        DatabaseFunction("t_cdf", argumentCount: 2, pure: true) { args in
            guard let t = double(args[0]), let df = double(args[1]), df > 0 else { return nil }
            return Distributions.studentTCDF(t, df: df)
        },
        DatabaseFunction("t_quantile", argumentCount: 2, pure: true) { args in
            guard let p = double(args[0]), let df = double(args[1]), df > 0 else { return nil }
            return Distributions.studentTQuantile(p, df: df)
        },
    ]

    /// Registers every function on a connection.
    ///
    /// - Parameter db: a connection (called from `Configuration.prepareDatabase`).
    public static func register(on db: Database) {
        for function in all { db.add(function: function) }
    }

    /// The numeric value of an argument, or nil for NULL, text and blobs.
    static func double(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .int64(let i): return Double(i)
        case .double(let d): return d
        case .null, .string, .blob: return nil
        }
    }

    /// The p-th percentile (p in 0…100) of values, by linear interpolation between closest ranks.
    ///
    /// - Parameters:
    ///   - values: the sample, in any order; sorted in place.
    ///   - p: the percentile in 0…100.
    /// - Returns: the percentile, or nil for an empty sample.
    /// - Complexity: O(n log n).
    static func percentile(_ values: inout [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        values.sort()
        let position = p / 100 * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        if fraction == 0 { return values[lower] }
        return values[lower] + fraction * (values[upper] - values[lower])
    }
}

/// Welford accumulation of a sample's mean and sum of squared deviations.
private struct Moments {
    var n = 0.0
    var mean = 0.0
    var m2 = 0.0

    mutating func add(_ x: Double) {
        n += 1
        let delta = x - mean
        mean += delta / n
        m2 += delta * (x - mean)
    }

    var variance: Double? { n > 1 ? m2 / (n - 1) : nil }
}

/// `stddev(x)`: sample standard deviation.
private struct StdDevAggregate: DatabaseAggregate {
    var moments = Moments()

    mutating func step(_ values: [DatabaseValue]) {
        if let x = SQLFunctions.double(values[0]) { moments.add(x) }
    }

    func finalize() -> (any DatabaseValueConvertible)? { moments.variance.map { $0.squareRoot() } }
}

/// `variance(x)`: sample variance.
private struct VarianceAggregate: DatabaseAggregate {
    var moments = Moments()

    mutating func step(_ values: [DatabaseValue]) {
        if let x = SQLFunctions.double(values[0]) { moments.add(x) }
    }

    func finalize() -> (any DatabaseValueConvertible)? { moments.variance }
}

/// `median(x)`: the 50th percentile.
private struct MedianAggregate: DatabaseAggregate {
    var values: [Double] = []

    mutating func step(_ arguments: [DatabaseValue]) {
        if let x = SQLFunctions.double(arguments[0]) { values.append(x) }
    }

    func finalize() -> (any DatabaseValueConvertible)? {
        var sample = values
        return SQLFunctions.percentile(&sample, 50)
    }
}

/// `percentile(x, p)`: the p-th percentile, p in 0…100 (the first non-NULL p of the group is used).
private struct PercentileAggregate: DatabaseAggregate {
    var values: [Double] = []
    var p: Double?

    mutating func step(_ arguments: [DatabaseValue]) throws {
        if p == nil, !arguments[1].isNull {
            guard let q = SQLFunctions.double(arguments[1]), q >= 0, q <= 100 else {
                throw DatabaseError(message: "the second argument of percentile() must be a number in 0…100")
            }
            p = q
        }
        if let x = SQLFunctions.double(arguments[0]) { values.append(x) }
    }

    func finalize() -> (any DatabaseValueConvertible)? {
        guard let p else { return nil }
        var sample = values
        return SQLFunctions.percentile(&sample, p)
    }
}
