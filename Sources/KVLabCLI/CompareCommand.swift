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
        abstract: "Compare two schemes on a metric per group: ratio, paired t-CI over seeds, verdict, rank tests.",
        discussion: """
            Pairs the done current runs of scheme A and scheme B that share every other switch and the seed (view \
            run_pairs; a switch that does not apply to one scheme matches anything). Each run contributes its \
            mean over its trials. The replicate is the seed, as in agg and the claims: within a group (the --by \
            values), each seed gives one pair (A, B), the means over the group's pairs of runs of that seed (one \
            per cell: configs that differ only in switches outside --by) of A's and of B's run means; n = seeds. \
            A seed where one of those run means is NULL, NaN or infinite is left out of its group. Per group: \
            mean_a, mean_b, ratio = mean_b/mean_a with its delta-method CI over seeds (ratio_delta_ci_*) and a \
            bootstrap BCa CI (ratio_ci_*: 2000 resamples of the seeds, seeded from the comparison and the group: \
            reproducible), the paired t CI of mean(b − a) with its p-value t_p, the Wilcoxon signed-rank test \
            (paired, matched-pairs rank-biserial r), the Mann-Whitney test of A vs B as independent samples \
            (U_A, rank-biserial r = 2U_A/(n_A·n_B) − 1: negative when A is smaller), and t_p Holm-adjusted \
            across the printed groups (holm_p). Every CI is at 95%. The verdict follows the paired t-CI alone: \
            entirely on one side of 0, the better scheme by the metric's direction (printed by name); covering \
            0 or undefined (one seed), tie. It does not depend on the other groups or on --where leaving some \
            out; the p-values are reported, never deciding. For a metric whose ideal is 0 (logit_bias, \
            entropy_delta, *_norm_ratio) every statistic is of |value|. The *_log10_p columns keep p-values \
            that underflow to 0. The table and markdown formats round numbers to 4 significant digits \
            (--digits); csv, tsv, json and ndjson print them in full.
            The rows are also stored in compare_results (replacing an earlier run of the same comparison; the \
            verdict as a, b or tie) with the data fingerprint, so claims can assert on them in plain SQL; on a \
            read-only file they are not.
            Example: kvlab compare --metric kl --a KQV --b QKQV --by bits --where "mixing = 'axis'"
            """
    )

    @Option(help: ArgumentHelp("The metric compared.", valueName: "metric"), completion: Completions.metrics)
    var metric: String

    @Option(
        help: ArgumentHelp("Scheme A: KV, KQV or QKQV (the ratio's denominator).", valueName: "scheme"),
        completion: Completions.schemes)
    var a: String

    @Option(
        help: ArgumentHelp("Scheme B: KV, KQV or QKQV (the ratio's numerator).", valueName: "scheme"),
        completion: Completions.schemes)
    var b: String

    @Option(
        help: ArgumentHelp("Switches to group by, comma-separated (default: one group).", valueName: "dim,…"),
        completion: Completions.switches)
    var by: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("An SQL condition on the columns of run_pairs.", valueName: "sql"))
    var condition: String?

    @Option(help: ArgumentHelp("Compare the runs of one sweep only.", valueName: "name"))
    var sweep: String?

    @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
    var format: TableFormat = .table

    @OptionGroup var digits: DigitsOptions

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let request = try CompareRequest(
                metric: metric, a: a, b: b, by: by.map(AggCommand.list) ?? [], filter: condition)
            let writable = ClaimsCommand.Check.isWritable(database.path)
            let store = try database.openExisting(writable ? .readWrite : .readOnly)
            let report = try CompareEngine.compare(request, in: store, scope: sweep.map { .sweep($0) } ?? .all)
            let text = TableOutput.render(
                columns: report.columns, rows: Self.values(report), format: format, digits: digits.digits)
            if !text.isEmpty { print(text) }
            for note in Self.notes(report) { Console.note(note) }
            guard writable else {
                Console.error("warning: \(database.path) is read-only; the results were not recorded")
                return
            }
            do {
                let provenance = Provenance.current(
                    kvlabVersion: VersionInfo.kvlab,
                    command: commandLine())
                try CompareResults.record(report, provenance: provenance, in: store)
            } catch {
                Console.error("error: the results could not be recorded: \(error)")
                throw ExitCode(ExitStatus.failure.rawValue)
            }
        }
    }

    /// The printed values of each row, in ``CompareReport/columns`` order.
    static func values(_ report: CompareReport) -> [[SQLValue]] {
        let request = report.request
        return report.rows.map { row in
            row.group
                + [.integer(Int64(row.n)), .integer(Int64(row.seeds))]
                + [
                    row.meanA, row.meanB, row.ratio, row.ratioDeltaLow, row.ratioDeltaHigh, row.ratioCILow,
                    row.ratioCIHigh, row.diffCILow, row.diffCIHigh, row.tP, row.wilcoxonP, row.wilcoxonLog10P,
                    row.wilcoxonR, row.mwU, row.mwP, row.mwLog10P, row.mwR, row.holmP,
                ].map(SQLValue.real) + [.text(row.verdict.label(a: request.a, b: request.b))]
        }
    }

    /// Notes for stderr: groups with one seed, seeds left out, |value| comparisons.
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
                    + "): one seed is no replicate; its CIs are NaN and its verdict is tie; run more seeds")
        }
        if report.droppedSeeds > 0 {
            let count = report.droppedSeeds
            notes.append(
                "note: \(count) seed\(count == 1 ? "" : "s") left out of \(count == 1 ? "its group" : "their groups"): "
                    + "a run mean of \(request.metric.rawValue) is NULL, NaN or infinite")
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
