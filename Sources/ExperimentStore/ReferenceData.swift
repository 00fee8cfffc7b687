import GRDB
import Quantization
import Statistics

/// The reference tables kvlab fills from code: `metrics` (from ``Metric``) and `t_quantiles` (from
/// ``Distributions/studentTQuantile(_:df:)``).
///
/// They are brought up to date when a database is opened for writing, and only written when they differ,
/// so reopening a current database changes nothing.
enum ReferenceData {
    /// One row of the `metrics` table.
    struct MetricRow: Equatable {
        /// The metric's contract name.
        var name: String
        /// Its index in ``Metric/allCases``: its bit in `trials.nan_mask`.
        var position: Int
        /// ``Metric/unit``.
        var unit: String
        /// ``Metric/direction`` as text.
        var direction: String
        /// ``Metric/summary``.
        var description: String
    }

    /// One row of the `t_quantiles` table: upper quantiles at 0.95, 0.975 and 0.995.
    struct TQuantileRow: Equatable {
        /// Degrees of freedom (``infiniteDF`` for the normal limit).
        var df: Int64
        /// t quantile at 0.95.
        var q95: Double
        /// t quantile at 0.975.
        var q975: Double
        /// t quantile at 0.995.
        var q995: Double

        /// Bitwise equality of the quantiles (a last-bit change is a change).
        static func == (a: TQuantileRow, b: TQuantileRow) -> Bool {
            a.df == b.df && a.q95.bitPattern == b.q95.bitPattern && a.q975.bitPattern == b.q975.bitPattern
                && a.q995.bitPattern == b.q995.bitPattern
        }
    }

    /// The `df` of the row holding the normal limit (df = ∞).
    static let infiniteDF = Int64.max

    /// The tabulated degrees of freedom: 1…1000, a few larger values, and the normal limit.
    static let degreesOfFreedom: [Int64] = Array(1...1000) + [1500, 2000, 5000, 10_000, 100_000, 1_000_000, infiniteDF]

    /// The `metrics` rows of this build: position = index in ``Metric/allCases``.
    static let metricRows: [MetricRow] = Metric.allCases.enumerated().map { index, metric in
        MetricRow(
            name: metric.rawValue, position: index, unit: metric.unit, direction: metric.direction.rawValue,
            description: metric.summary)
    }

    /// The `t_quantiles` rows of this build.
    static let tQuantileRows: [TQuantileRow] = degreesOfFreedom.map { df in
        let nu = df == infiniteDF ? Double.infinity : Double(df)
        return TQuantileRow(
            df: df, q95: Distributions.studentTQuantile(0.95, df: nu),
            q975: Distributions.studentTQuantile(0.975, df: nu), q995: Distributions.studentTQuantile(0.995, df: nu))
    }

    /// Rows that are missing or differ from this build's.
    struct Changes {
        /// `metrics` rows to insert or update.
        var metrics: [MetricRow] = []
        /// `t_quantiles` rows to insert or replace.
        var tQuantiles: [TQuantileRow] = []
        /// Whether nothing needs writing.
        var isEmpty: Bool { metrics.isEmpty && tQuantiles.isEmpty }
    }

    /// Compares the database's reference tables with this build's.
    ///
    /// - Throws: ``StoreError/inconsistent(_:)`` when a metric's position (its bit in `trials.nan_mask`)
    ///   differs, which would misread stored NaN flags.
    static func changes(_ db: Database) throws -> Changes {
        var changes = Changes()
        var stored: [String: MetricRow] = [:]
        var owner: [Int: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, position, unit, direction, description FROM metrics") {
            // Read leniently: a damaged row (wrong types) is a difference to report or rewrite, never a trap.
            func text(_ i: Int) -> String { String.fromDatabaseValue(row[i] as DatabaseValue) ?? "" }
            let metric = MetricRow(
                name: text(0), position: Int.fromDatabaseValue(row[1] as DatabaseValue) ?? -1, unit: text(2),
                direction: text(3), description: text(4))
            stored[metric.name] = metric
            owner[metric.position] = metric.name
        }
        for expected in metricRows {
            if let existing = stored[expected.name], existing.position != expected.position {
                throw StoreError.inconsistent(
                    "metric \(expected.name) has position \(existing.position) in the database but "
                        + "\(expected.position) in this kvlab")
            }
            if let other = owner[expected.position], other != expected.name {
                throw StoreError.inconsistent(
                    "metric position \(expected.position) belongs to \(other) in the database but to "
                        + "\(expected.name) in this kvlab")
            }
            if stored[expected.name] != expected { changes.metrics.append(expected) }
        }
        var quantiles: [Int64: TQuantileRow] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT df, q95, q975, q995 FROM t_quantiles") {
            func number(_ i: Int) -> Double { Double.fromDatabaseValue(row[i] as DatabaseValue) ?? .nan }
            guard let df = Int64.fromDatabaseValue(row[0] as DatabaseValue) else { continue }
            quantiles[df] = TQuantileRow(df: df, q95: number(1), q975: number(2), q995: number(3))
        }
        changes.tQuantiles = tQuantileRows.filter { quantiles[$0.df] != $0 }
        return changes
    }

    /// Brings the reference tables up to date, writing only when something differs.
    ///
    /// - Parameter pool: a writable pool.
    static func sync(_ pool: DatabasePool) throws {
        guard !(try pool.read { try changes($0) }).isEmpty else { return }
        try pool.write { db in
            let changes = try changes(db)
            for m in changes.metrics {
                try db.execute(
                    sql: """
                        INSERT INTO metrics (name, position, unit, direction, description) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET unit = excluded.unit, direction = excluded.direction,
                            description = excluded.description
                        """,
                    arguments: [m.name, m.position, m.unit, m.direction, m.description])
            }
            for q in changes.tQuantiles {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO t_quantiles (df, q95, q975, q995) VALUES (?, ?, ?, ?)",
                    arguments: [q.df, q.q95, q.q975, q.q995])
            }
        }
    }
}
