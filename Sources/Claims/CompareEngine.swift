import ExperimentStore
import Foundation
import GRDB
import Quantization
import Statistics

/// `kvlab compare`: scheme A against scheme B on one metric, per group of switches, from the pairs of runs
/// of the `run_pairs` view (same config but the scheme, same seed; each run's mean over its trials).
///
/// Per group: means, the ratio mean_b/mean_a with a bootstrap BCa CI (pairs resampled, seeded from the
/// comparison and the group, so the output is reproducible), the paired t CI of mean(b − a), the Wilcoxon
/// signed-rank test (paired), the Mann-Whitney test (A vs B as independent samples, as the paper), and the
/// Wilcoxon p Holm-adjusted across the groups. The verdict names the better scheme when the paired CI
/// excludes 0 and the Holm p is below alpha (SCIENCE.md: a tie is never a win). For a metric whose ideal is
/// 0, every statistic is of |value|.
public enum CompareEngine {
    /// Runs a comparison in one snapshot (one read transaction on a read-only connection).
    ///
    /// - Parameters:
    ///   - request: the validated request.
    ///   - store: the database.
    /// - Returns: the report.
    /// - Throws: ``CompareError/schemeAbsent(scheme:present:)``, ``CompareError/badFilter(message:)``,
    ///   ``CompareError/noPairs(a:b:filtered:)``; ``StoreError`` when the database cannot be read.
    public static func compare(_ request: CompareRequest, in store: Store) throws -> CompareReport {
        let (groups, dropped, fingerprint, now) = try store.readUntrusted { db in
            let present = try String.fetchAll(
                db,
                sql: "SELECT DISTINCT scheme FROM configs JOIN current_runs USING (config_hash) WHERE state = 'done'")
            for scheme in [request.a, request.b] where !present.contains(scheme.rawValue) {
                let order = Scheme.allCases.map(\.rawValue)
                throw CompareError.schemeAbsent(
                    scheme: scheme.rawValue, present: order.filter(present.contains))
            }
            let (groups, dropped) = try readGroups(request, in: db)
            return (groups, dropped, try DataFingerprint.compute(in: db), Store.now())
        }
        guard !groups.isEmpty else {
            throw CompareError.noPairs(a: request.a.rawValue, b: request.b.rawValue, filtered: request.filter != nil)
        }
        return CompareReport(
            request: request, rows: rows(request, groups: groups), dataFingerprint: fingerprint,
            droppedPairs: dropped, createdAt: now)
    }

    /// The pairs of one group.
    struct Group {
        /// The `--by` values.
        var key: [SQLValue]
        /// Scheme A's run mean per pair.
        var a: [Double] = []
        /// Scheme B's run mean per pair.
        var b: [Double] = []
        /// The distinct seeds.
        var seeds: Set<Int64> = []
    }

    /// Reads the pairs, grouped by the `--by` values in order; pairs with a NULL or non-finite run mean are
    /// dropped and counted.
    static func readGroups(_ request: CompareRequest, in db: Database) throws -> ([Group], Int) {
        let arguments: StatementArguments = ["a": request.a.rawValue, "b": request.b.rawValue]
        let statement: Statement
        do {
            statement = try db.makeStatement(sql: request.pairsSQL)
            try statement.setArguments(arguments)
        } catch let error as DatabaseError where request.filter != nil {
            throw CompareError.badFilter(message: error.message ?? "\(error.resultCode)")
        }
        guard statement.isReadonly else { throw CompareError.badFilter(message: "the condition would write") }
        var groups: [Group] = []
        var dropped = 0
        let width = request.by.count
        let absolute = request.comparesAbsoluteValues
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            let key = (0..<width).map { SQLValue(row[$0]) }
            let seed: Int64 = row[width]
            let a: Double? = row[width + 1]
            let b: Double? = row[width + 2]
            if groups.last?.key != key { groups.append(Group(key: key)) }
            guard let a, let b, a.isFinite, b.isFinite else {
                dropped += 1
                continue
            }
            groups[groups.count - 1].a.append(absolute ? abs(a) : a)
            groups[groups.count - 1].b.append(absolute ? abs(b) : b)
            groups[groups.count - 1].seeds.insert(seed)
        }
        return (groups.filter { !$0.a.isEmpty }, dropped)
    }

    /// The rows of the groups: each group's statistics, then the Holm adjustment and the verdicts.
    static func rows(_ request: CompareRequest, groups: [Group]) -> [CompareRow] {
        var rows = groups.map { group in
            CompareRow(
                group: group.key, a: group.a, b: group.b, seeds: group.seeds.count, alpha: request.alpha,
                resamples: request.resamples, bootstrapSeed: bootstrapSeed(request, group: group.key))
        }
        let holm = PValueAdjustment.holm(rows.map(\.wilcoxonP))
        for index in rows.indices {
            rows[index].holmP = holm[index]
            rows[index].verdict = CompareVerdict.decide(
                diffLow: rows[index].diffCILow, diffHigh: rows[index].diffCIHigh, holmP: holm[index],
                alpha: request.alpha, direction: request.metric.direction)
        }
        return rows
    }

    /// The bootstrap seed of a group: a hash of the metric, the schemes, the `--by` switches and the group's
    /// values (not of the data, so that reruns on the same data agree and groups have distinct streams).
    static func bootstrapSeed(_ request: CompareRequest, group: [SQLValue]) -> UInt64 {
        let parts = [request.metric.rawValue, request.a.rawValue, request.b.rawValue] + request.by
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
