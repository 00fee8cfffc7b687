import ExperimentStore
import GRDB

/// The stored results of `kvlab compare` (`compare_results`: migration 0003, columns added by 0004).
public enum CompareResults {
    /// Stores a report in one short write transaction, replacing the rows of an earlier run of the same
    /// comparison (same metric, schemes, `--by` and `--where`). NaN statistics are stored as NULL; the
    /// verdict as its code (`a`, `b`, `tie`); `alpha` is always ``CompareEngine/alpha`` (every CI is at 95%).
    ///
    /// - Parameters:
    ///   - report: the comparison.
    ///   - provenance: the writing process, or nil.
    ///   - store: a store opened read-write.
    /// - Returns: the number of rows stored.
    /// - Throws: ``StoreError`` (e.g. a read-only file).
    @discardableResult
    public static func record(_ report: CompareReport, provenance: Provenance? = nil, in store: Store) throws -> Int {
        let request = report.request
        let byDims = request.by.joined(separator: ",")
        let filter = request.filter ?? ""
        let statisticColumns = [
            "compared_on", "n", "seeds", "mean_a", "mean_b", "ratio", "ratio_delta_ci_low", "ratio_delta_ci_high",
            "ratio_ci_low", "ratio_ci_high", "ratio_ci_method", "resamples", "diff_ci_low", "diff_ci_high", "t_p",
            "wilcoxon_p", "wilcoxon_log10_p", "wilcoxon_r", "mw_u", "mw_p", "mw_log10_p", "mw_r", "holm_p", "verdict",
        ]
        let columns =
            ["metric", "scheme_a", "scheme_b", "by_dims", "where_sql", "group_json"] + request.by + statisticColumns
            + ["alpha", "data_fingerprint", "created_at", "provenance_id"]
        let sql =
            "INSERT INTO compare_results (" + columns.joined(separator: ", ") + ") VALUES ("
            + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        return try store.write { db in
            let provenanceID = try provenance.map { try Store.recordProvenance($0, in: db) }
            try db.execute(
                sql: """
                    DELETE FROM compare_results WHERE metric = ? AND scheme_a = ? AND scheme_b = ? AND by_dims = ?
                        AND where_sql = ?
                    """,
                arguments: [request.metric.rawValue, request.a, request.b, byDims, filter])
            let statement = try db.makeStatement(sql: sql)
            for row in report.rows {
                var values: [DatabaseValue] = [
                    request.metric.rawValue.databaseValue, request.a.databaseValue,
                    request.b.databaseValue, byDims.databaseValue, filter.databaseValue,
                    CompareEngine.groupJSON(request, row.group).databaseValue,
                ]
                values += row.group.map(\.databaseValue)
                values += [
                    (request.comparesAbsoluteValues ? "abs" : "value").databaseValue, row.n.databaseValue,
                    row.seeds.databaseValue,
                ]
                values += [
                    row.meanA, row.meanB, row.ratio, row.ratioDeltaLow, row.ratioDeltaHigh, row.ratioCILow,
                    row.ratioCIHigh,
                ].map(real)
                values += ["bca".databaseValue, request.resamples.databaseValue]
                values += [
                    row.diffCILow, row.diffCIHigh, row.tP, row.wilcoxonP, row.wilcoxonLog10P, row.wilcoxonR, row.mwU,
                    row.mwP, row.mwLog10P, row.mwR, row.holmP,
                ].map(real)
                values += [
                    row.verdict.rawValue.databaseValue, CompareEngine.alpha.databaseValue,
                    report.dataFingerprint.databaseValue, report.createdAt.databaseValue,
                    provenanceID?.databaseValue ?? .null,
                ]
                try statement.execute(arguments: StatementArguments(values))
            }
            return report.rows.count
        }
    }

    /// A double for storage: NaN becomes NULL.
    private static func real(_ value: Double) -> DatabaseValue { value.isNaN ? .null : value.databaseValue }
}
