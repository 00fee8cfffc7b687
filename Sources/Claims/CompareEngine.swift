import ExperimentStore
import Foundation
import GRDB
import Quantization
import Statistics

/// `kvlab compare`: scheme A against scheme B on one metric, per group of switches, with the seed as the
/// replicate.
///
/// The pairs of runs come from the `run_pairs` view (same config but the scheme, same seed; each run's
/// mean over its trials). Within a group (the `--by` values), each seed gives one (A, B) pair: the means,
/// over the group's pairs of runs of that seed, of scheme A's and of scheme B's run means. A seed where any
/// of those run means is NULL or not finite is left out of the group (and counted), as `kvlab agg` leaves
/// out a seed with a missing value. Per group (``CompareRow``): the means, the ratio mean_b/mean_a with its
/// delta-method CI and a bootstrap BCa CI (seeds resampled, seeded from the comparison and the group, so
/// the output is reproducible), the paired t CI of mean(b − a) and its p-value, the Wilcoxon signed-rank
/// test (paired), the Mann-Whitney test (A vs B as independent samples, as the paper), and the t-test p
/// Holm-adjusted across the groups. Every CI is at 95%. The verdict follows the paired t-CI alone, group by
/// group, so it does not depend on how many other groups are compared; the p-values are reported beside
/// it. For a metric whose ideal is 0, every statistic is of |value| (each run mean's, before averaging).
public enum CompareEngine {
    /// The two-sided level of every CI of a comparison.
    public static let confidence = 0.95

    /// 1 − ``confidence``, as stored in `compare_results.alpha` (it decides nothing).
    public static let alpha = 0.05

    /// Runs a comparison in one snapshot (one read transaction on a read-only connection).
    ///
    /// - Parameters:
    ///   - request: the validated request.
    ///   - store: the database.
    ///   - scope: the runs compared (default: every run; a sweep: the runs it planned).
    /// - Returns: the report.
    /// - Throws: ``CompareError/schemeAbsent(scheme:present:)``, ``ConditionError`` (a bad `--where`),
    ///   ``CompareError/noPairs(a:b:filtered:)``; ``StoreError`` when the database cannot be read.
    public static func compare(
        _ request: CompareRequest, in store: Store, scope: RunScope = .all
    ) throws -> CompareReport {
        let (groups, dropped, fingerprint, now) = try store.readUntrusted(scope: scope) { db in
            let present = try String.fetchAll(
                db,
                sql: "SELECT DISTINCT scheme FROM configs JOIN current_runs USING (config_hash) WHERE state = 'done'")
            for scheme in [request.a, request.b] where !present.contains(scheme) {
                let shipped = Scheme.shipped.map(\.name)
                let order = shipped.filter(present.contains) + present.filter { !shipped.contains($0) }.sorted()
                throw CompareError.schemeAbsent(scheme: scheme, present: order)
            }
            if let filter = request.filter { _ = try Store.checkCondition(filter, on: "run_pairs", alias: "p", in: db) }
            let (groups, dropped) = try readGroups(request, in: db)
            return (groups, dropped, try DataFingerprint.compute(in: db, scope: scope), Store.now())
        }
        guard !groups.isEmpty else {
            throw CompareError.noPairs(a: request.a, b: request.b, filtered: request.filter != nil)
        }
        return CompareReport(
            request: request, rows: rows(request, groups: groups), dataFingerprint: fingerprint,
            droppedSeeds: dropped, createdAt: now)
    }

    /// The per-seed values of one group.
    struct Group {
        /// The `--by` values.
        var key: [SQLValue]
        /// Scheme A's value per seed (mean over the seed's pairs of runs), in seed order.
        var a: [Double] = []
        /// Scheme B's value per seed, in seed order.
        var b: [Double] = []
    }

    /// The pairs of runs of one group and seed, being summed.
    private struct SeedSums {
        /// Sum of scheme A's run means (|value| where the metric's ideal is 0).
        var a = 0.0
        /// Sum of scheme B's run means.
        var b = 0.0
        /// Pairs of runs summed.
        var pairs = 0
        /// Whether a pair had a NULL or non-finite run mean.
        var missing = false
    }

    /// Reads the pairs of runs and reduces them to one (A, B) pair per group and seed: the means over the
    /// seed's pairs of runs in the group. A group and seed with a NULL or non-finite run mean is dropped and
    /// counted; groups left without a seed are omitted.
    static func readGroups(_ request: CompareRequest, in db: Database) throws -> ([Group], Int) {
        let arguments: StatementArguments = ["a": request.a, "b": request.b]
        let statement = try db.makeStatement(sql: request.pairsSQL)
        try statement.setArguments(arguments)
        var groups: [Group] = []
        var dropped = 0
        var current: (key: [SQLValue], seed: Int64, sums: SeedSums)?
        func close() {
            guard let current else { return }
            let sums = current.sums
            if groups.last?.key != current.key { groups.append(Group(key: current.key)) }
            guard !sums.missing else {
                dropped += 1
                return
            }
            groups[groups.count - 1].a.append(sums.a / Double(sums.pairs))
            groups[groups.count - 1].b.append(sums.b / Double(sums.pairs))
        }
        let width = request.by.count
        let absolute = request.comparesAbsoluteValues
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            let key = (0..<width).map { SQLValue(row[$0]) }
            let seed: Int64 = row[width]
            let a: Double? = row[width + 1]
            let b: Double? = row[width + 2]
            if current?.key != key || current?.seed != seed {
                close()
                current = (key, seed, SeedSums())
            }
            guard let a, let b, a.isFinite, b.isFinite else {
                current?.sums.missing = true
                continue
            }
            current?.sums.a += absolute ? abs(a) : a
            current?.sums.b += absolute ? abs(b) : b
            current?.sums.pairs += 1
        }
        close()
        return (groups.filter { !$0.a.isEmpty }, dropped)
    }

    /// The rows of the groups: each group's statistics and verdict, then the Holm adjustment of the t-test
    /// p-values across the groups (reported only).
    static func rows(_ request: CompareRequest, groups: [Group]) -> [CompareRow] {
        var rows = groups.map { group in
            CompareRow(
                group: group.key, a: group.a, b: group.b, direction: request.metric.direction,
                resamples: request.resamples, bootstrapSeed: bootstrapSeed(request, group: group.key))
        }
        let holm = PValueAdjustment.holm(rows.map(\.tP))
        for index in rows.indices { rows[index].holmP = holm[index] }
        return rows
    }

    /// The bootstrap seed of a group: a hash of the metric, the schemes, the `--by` switches and the group's
    /// values (not of the data, so that reruns on the same data agree and groups have distinct streams).
    static func bootstrapSeed(_ request: CompareRequest, group: [SQLValue]) -> UInt64 {
        let parts = [request.metric.rawValue, request.a, request.b] + request.by
        return seed(for: parts.joined(separator: "\u{1f}") + "\u{1e}" + groupJSON(request, group))
    }

    /// The seed of the bootstrap generator (``SplitMix64``) for a text: its 64-bit FNV-1a hash.
    ///
    /// - Parameter key: text naming the comparison and its group.
    /// - Returns: the hash.
    static func seed(for key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The group's `--by` values as a JSON object, e.g. `{"bits":4,"distribution":"t3"}`.
    static func groupJSON(_ request: CompareRequest, _ group: [SQLValue]) -> String {
        let members = zip(request.by, group).map { name, value in quoted(name) + ":" + json(value) }
        return "{" + members.joined(separator: ",") + "}"
    }

    private static func json(_ value: SQLValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? "\(d)" : quoted(d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity")
        case .text(let s): return quoted(s)
        case .blob(let bytes): return quoted(bytes.map { String(format: "%02x", $0) }.joined())
        }
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
