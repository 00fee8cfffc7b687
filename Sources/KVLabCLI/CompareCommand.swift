import ArgumentParser
import Claims
import ExperimentStore
import Foundation
import Quantization

/// `kvlab compare`: scheme A against scheme B on one metric, per group of switches, paired on every other
/// switch and the seed; prints one row per group and records the rows in `compare_results`.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two schemes on a metric per group: ratio, paired CIs, Wilcoxon, Mann-Whitney, verdict.",
        discussion: """
            Pairs the done current runs of scheme A and scheme B that share every other switch and the seed (view \
            run_pairs; a switch that does not apply to one scheme matches anything). Each run contributes its \
            mean over its trials; one pair of runs is one replicate, so a group's n is its pairs (its seeds when \
            --by fixes every other switch). Per group: mean_a, mean_b, ratio = mean_b/mean_a with a bootstrap \
            BCa CI (2000 resamples of the pairs, seeded from the comparison and the group: reproducible), the \
            paired t CI of mean(b − a), the Wilcoxon signed-rank test (paired, matched-pairs rank-biserial r), \
            the Mann-Whitney test of A vs B as independent samples (U_A, rank-biserial r = 2U_A/(n_A·n_B) − 1: \
            negative when A is smaller), the Wilcoxon p Holm-adjusted across the printed groups, and the \
            verdict at --alpha: the better scheme (a or b, by the metric's direction) when the paired CI \
            excludes 0 and holm_p < alpha, else tie. CIs are at level 1 − alpha. For a metric whose ideal is 0 \
            (logit_bias, entropy_delta, *_norm_ratio) every statistic is of |value|. The *_log10_p columns keep \
            p-values that underflow to 0. The table and markdown formats round numbers to 4 significant \
            digits; csv, tsv, json and ndjson print them in full.
            The rows are also stored in compare_results (replacing an earlier run of the same comparison) with \
            the data fingerprint, so claims can assert on them in plain SQL; on a read-only file they are not.
            Example: kvlab compare --metric kl --a KQV --b QKQV --by bits --where "mixing = 'axis'"
            """
    )

    @Option(help: ArgumentHelp("The metric compared.", valueName: "metric"))
    var metric: String

    @Option(help: ArgumentHelp("Scheme A: KV, KQV or QKQV (the ratio's denominator).", valueName: "scheme"))
    var a: String

    @Option(help: ArgumentHelp("Scheme B: KV, KQV or QKQV (the ratio's numerator).", valueName: "scheme"))
    var b: String

    @Option(help: ArgumentHelp("Switches to group by, comma-separated (default: one group).", valueName: "dim,…"))
    var by: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("An SQL condition on the columns of run_pairs.", valueName: "sql"))
    var condition: String?

    @Option(help: "Significance level of the verdicts; CIs are at level 1 − alpha.")
    var alpha = 0.05

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let request = try CompareRequest(
                metric: metric, a: a, b: b, by: by.map(AggCommand.list) ?? [], filter: condition, alpha: alpha)
            let writable = ClaimsCommand.Check.isWritable(database.path)
            let store = try database.openExisting(writable ? .readWrite : .readOnly)
            let report = try CompareEngine.compare(request, in: store)
            let text = TableOutput.render(
                columns: report.columns, rows: Self.values(report, rounded: format == .table || format == .markdown),
                format: format)
            if !text.isEmpty { print(text) }
            for note in Self.notes(report) { Console.note(note) }
            guard writable else {
                Console.error("warning: \(database.path) is read-only; the results were not recorded")
                return
            }
            do {
                let provenance = Provenance.current(
                    kvlabVersion: VersionInfo.kvlab,
                    command: (["kvlab"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
                try CompareResults.record(report, provenance: provenance, in: store)
            } catch {
                Console.error("error: the results could not be recorded: \(error)")
                throw ExitCode(ExitStatus.failure.rawValue)
            }
        }
    }

    /// The printed values of each row, in ``CompareReport/columns`` order.
    ///
    /// - Parameters:
    ///   - report: the comparison.
    ///   - rounded: round doubles to 4 significant digits (for reading, not for machines).
    static func values(_ report: CompareReport, rounded: Bool) -> [[SQLValue]] {
        func number(_ d: Double) -> SQLValue {
            guard rounded, d.isFinite, d != 0 else { return .real(d) }
            return .real(Double(String(format: "%.4g", d)) ?? d)
        }
        return report.rows.map { row in
            row.group
                + [.integer(Int64(row.n)), .integer(Int64(row.seeds))]
                + [
                    row.meanA, row.meanB, row.ratio, row.ratioCILow, row.ratioCIHigh, row.diffCILow, row.diffCIHigh,
                    row.wilcoxonP, row.wilcoxonLog10P, row.wilcoxonR, row.mwU, row.mwP, row.mwLog10P, row.mwR,
                    row.holmP,
                ].map(number) + [.text(row.verdict.rawValue)]
        }
    }

    /// Notes for stderr: groups with one pair or one seed, dropped pairs, |value| comparisons.
    static func notes(_ report: CompareReport) -> [String] {
        var notes: [String] = []
        let request = report.request
        func name(_ row: CompareRow) -> String {
            row.group.isEmpty
                ? "the overall group"
                : zip(request.by, row.group).map { "\($0)=\(TableOutput.text($1) ?? "NULL")" }.joined(separator: " ")
        }
        let single = report.singleSeedGroups
        if !single.isEmpty {
            let shown = single.prefix(5).map(name).joined(separator: "; ")
            notes.append(
                "note: \(single.count) group\(single.count == 1 ? " has" : "s have") one seed only (\(shown)"
                    + (single.count > 5 ? "; …" : "")
                    + "): one seed is no replicate; where n = 1 the CIs are NaN and the verdict is tie; run more seeds")
        }
        if report.droppedPairs > 0 {
            notes.append(
                "note: \(report.droppedPairs) pair\(report.droppedPairs == 1 ? "" : "s") left out: a run mean of "
                    + "\(request.metric.rawValue) is NULL, NaN or infinite")
        }
        if request.comparesAbsoluteValues {
            notes.append(
                "note: \(request.metric.rawValue) is best at 0: every statistic is of |\(request.metric.rawValue)|")
        }
        return notes
    }
}

extension CompareError: KVLabReportable {
    /// Every compare request error is bad input.
    var exitStatus: ExitStatus { .badInput }

    /// The error's description.
    var message: String { description }
}
