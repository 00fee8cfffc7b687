import Quantization
import Statistics

/// A validated `kvlab compare` request: scheme A against scheme B on one metric, per group of `--by` switches.
public struct CompareRequest: Sendable, Equatable {
    /// The metric compared.
    public var metric: Metric
    /// Scheme A (the denominator of the ratio; the `a` verdict code).
    public var a: String
    /// Scheme B (the numerator of the ratio; the `b` verdict code).
    public var b: String
    /// The switches to group by, in the order given (columns of `run_pairs`).
    public var by: [String]
    /// An SQL condition on the columns of `run_pairs`, or nil.
    public var filter: String?
    /// Bootstrap resamples of the ratio CI.
    public var resamples: Int

    /// The switches `--by` accepts: every switch but `scheme` (what is compared), and `nu`, in the order of
    /// the docs/science.md table. Each is a column of `run_pairs` and of `compare_results`.
    public static let dimensions = SwitchRegistry.groupingDimensions.filter {
        !["scheme", "key_recipe", "value_recipe"].contains($0)
    }

    /// Validates a request as typed on the command line.
    ///
    /// - Parameters:
    ///   - metric: a metric name (docs/science.md).
    ///   - a: scheme A (case-insensitive).
    ///   - b: scheme B (case-insensitive), different from A.
    ///   - by: switches to group by (see ``dimensions``); empty for one overall group.
    ///   - filter: an SQL condition on `run_pairs`, or nil (blank counts as nil).
    ///   - resamples: bootstrap resamples, ≥ 1.
    /// - Throws: ``CompareError`` for any invalid value.
    public init(
        metric: String, a: String, b: String, by: [String] = [], filter: String? = nil,
        resamples: Int = Bootstrap.defaultResamples
    ) throws(CompareError) {
        guard let m = Metric(rawValue: metric) else {
            throw .unknownMetric(name: metric, allowed: Metric.allCases.map(\.rawValue))
        }
        self.metric = m
        self.a = try Self.scheme(a)
        self.b = try Self.scheme(b)
        guard self.a != self.b else { throw .sameScheme(name: self.a) }
        var seen: Set<String> = []
        for dimension in by {
            guard Self.dimensions.contains(dimension) else {
                throw .unknownDimension(name: dimension, allowed: Self.dimensions)
            }
            guard seen.insert(dimension).inserted else { throw .duplicateDimension(name: dimension) }
        }
        self.by = by
        let trimmed = filter?.trimmingSpaces()
        self.filter = trimmed?.isEmpty == false ? trimmed : nil
        self.resamples = max(1, resamples)
    }

    /// Whether the statistics are of |value| (metrics whose ideal is 0) rather than of the value.
    public var comparesAbsoluteValues: Bool { metric.direction == .zero }

    /// The SQL that reads the pairs of runs: the `--by` switches, the seed and the two run means, ordered by
    /// group, seed and configs (a fixed order of summation), with `:a` and `:b` bound to the schemes.
    var pairsSQL: String {
        let groups = by.map { "p.\($0)" }
        let columns = (groups + ["p.seed", "p.a_\(metric.rawValue)", "p.b_\(metric.rawValue)"])
        var sql = "SELECT " + columns.joined(separator: ", ") + "\nFROM run_pairs AS p\nWHERE p.a_scheme = :a"
        sql += " AND p.b_scheme = :b"
        if let filter { sql += "\n    AND (\(filter)\n)" }
        sql += "\nORDER BY " + (groups + ["p.seed", "p.a_config_hash", "p.b_config_hash"]).joined(separator: ", ")
        return sql
    }

    /// A scheme name: a shipped one matches case-insensitively (`kqv` is KQV); any other (a declared
    /// scheme, `mse+mse`) is taken as written and must be present in the database.
    private static func scheme(_ name: String) throws(CompareError) -> String {
        let trimmed = name.trimmingSpaces()
        if let shipped = Scheme.shipped.first(where: { $0.name.lowercased() == trimmed.lowercased() }) {
            return shipped.name
        }
        guard !trimmed.isEmpty else { throw .unknownScheme(name: name, allowed: Scheme.shipped.map(\.name)) }
        return trimmed
    }
}
