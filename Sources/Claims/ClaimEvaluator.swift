import ExperimentStore
import Foundation
import GRDB
import GRDBSQLite

/// Evaluates claims on a store: every claim of one check reads the same snapshot (one read transaction on
/// a read-only connection with `PRAGMA query_only = 1`), and parameters are bound as typed values, never
/// spliced into the SQL.
///
/// For each claim: a claim with no runs of its kind (``ClaimFile/Kind``; for a dataset claim with a `dataset`
/// parameter, no runs of that dataset) is ``ClaimVerdict/skipped``; then the coverage query runs; fewer covered cells than `coverage_min` give
/// ``ClaimVerdict/inconclusive`` (the body is not run); otherwise the body's rows are the failing rows
/// (none ⇒ ``ClaimVerdict/pass``). A claim can neither write nor run several statements: each of its
/// statements must be one statement that SQLite reports read-only (`sqlite3_stmt_readonly`) and that
/// returns columns; otherwise the verdict is ``ClaimVerdict/error`` without running it.
public struct ClaimEvaluator: Sendable {
    /// The database.
    public var store: Store
    /// How many failing rows each evaluation keeps (the rest are only counted).
    public var keptRows: Int

    /// Creates an evaluator.
    ///
    /// - Parameters:
    ///   - store: the database (opened read-only or read-write; reads always use read-only connections).
    ///   - keptRows: failing rows kept per claim, ≥ 0 (default 1000).
    public init(store: Store, keptRows: Int = 1000) {
        self.store = store
        self.keptRows = max(0, keptRows)
    }

    /// The parameter values of each claim: its header defaults, overridden by `overrides` where it declares
    /// the name.
    ///
    /// - Parameters:
    ///   - claims: the selected claims.
    ///   - overrides: `--param` values by name.
    /// - Returns: the values per claim, in header order.
    /// - Throws: ``ClaimError/unknownParameter(name:known:)`` for an override no selected claim declares,
    ///   ``ClaimError/unsupportedValue(name:value:claim:expected:)`` for a value a claim that declares it
    ///   does not support (``ClaimFile/Parameter/expectation(unless:)``).
    public static func parameters(
        for claims: [ClaimFile], overrides: [String: SQLValue]
    ) throws(ClaimError) -> [[ClaimFile.Parameter]] {
        let known = Set(claims.flatMap { $0.parameters.map(\.name) })
        if let unknown = overrides.keys.sorted().first(where: { !known.contains($0) }) {
            throw .unknownParameter(name: unknown, known: known.sorted())
        }
        for claim in claims {
            for p in claim.parameters {
                guard let value = overrides[p.name], let expected = p.expectation(unless: value) else { continue }
                throw .unsupportedValue(
                    name: p.name, value: TableOutput.text(value) ?? "NULL", claim: claim.name, expected: expected)
            }
        }
        return claims.map { claim in
            claim.parameters.map { p in ClaimFile.Parameter(name: p.name, value: overrides[p.name] ?? p.value) }
        }
    }

    /// Evaluates claims in one snapshot.
    ///
    /// - Parameters:
    ///   - claims: the claims, evaluated in order.
    ///   - overrides: `--param` values by name.
    ///   - scope: the runs the claims see (default: every run; a sweep: the runs it planned).
    /// - Returns: the evaluations and the fingerprint of the data they saw.
    /// - Throws: ``ClaimError/unknownParameter(name:known:)``; ``StoreError`` when the snapshot cannot be
    ///   read at all. Errors of a single claim become its ``ClaimVerdict/error`` verdict instead.
    public func evaluate(
        _ claims: [ClaimFile], overrides: [String: SQLValue] = [:], scope: RunScope = .all
    ) throws -> ClaimReport {
        let values = try Self.parameters(for: claims, overrides: overrides)
        return try store.readUntrusted(scope: scope) { db in
            let fingerprint = try DataFingerprint.compute(in: db, scope: scope)
            let now = Store.now()
            let evaluations = zip(claims, values).map { claim, parameters in
                evaluate(claim, parameters: parameters, in: db)
            }
            return ClaimReport(evaluations: evaluations, dataFingerprint: fingerprint, evaluatedAt: now)
        }
    }

    /// Evaluates one claim, turning every failure into an error verdict.
    private func evaluate(_ claim: ClaimFile, parameters: [ClaimFile.Parameter], in db: Database) -> ClaimEvaluation {
        var result = ClaimEvaluation(claim: claim, parameters: parameters, verdict: .error)
        let values = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        do {
            if try !hasRuns(of: claim.kind, values: values, in: db) {
                result.verdict = .skipped
                var message = "no \(claim.kind.rawValue) runs"
                if claim.kind == .dataset, case .text(let name)? = values["dataset"] {
                    message += " of dataset \(name)"
                }
                result.message = message
                return result
            }
            let covered = try coverageCount(claim.coverage, values: values, in: db)
            result.coveredCells = covered
            if covered < claim.coverageMin {
                result.verdict = .inconclusive
                result.message = "needs coverage ≥ \(claim.coverageMin) (coverage_min)"
                return result
            }
            let statement = try prepare(claim.body, part: "body", values: values, in: db)
            result.columns = statement.columnNames
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() {
                if result.failingRows.count < keptRows {
                    result.failingRows.append((0..<row.count).map { SQLValue(row[$0]) })
                }
                result.failingRowCount += 1
            }
            result.verdict = result.failingRowCount == 0 ? .pass : .fail
            if result.failingRowCount > 0 {
                let n = result.failingRowCount
                result.message =
                    "\(n) failing row\(n == 1 ? "" : "s")"
                    + (n > keptRows ? " (the first \(keptRows) kept)" : "")
            }
        } catch let defect as ClaimDefect {
            result.message = defect.message
            result.isClaimDefect = true
        } catch let error as DatabaseError {
            if let refusal = store.takeSQLRefusal() {
                result.message = "refused: \(refusal)"
                result.isClaimDefect = true
            } else {
                result.message = "SQL error: \(error.message ?? "\(error.resultCode)")"
            }
        } catch {
            result.message = "\(error)"
        }
        return result
    }

    /// Whether the database has done runs of a claim's kind (of its `dataset` parameter, when declared).
    private func hasRuns(of kind: ClaimFile.Kind, values: [String: SQLValue], in db: Database) throws -> Bool {
        switch kind {
        case .synthetic:
            return try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM run_means WHERE source IS NULL AND model IS NULL)") ?? false
        case .dataset:
            if let name = values["dataset"] {
                return try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM run_means WHERE dataset = ?)",
                    arguments: [name.databaseValue]) ?? false
            }
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run_means WHERE source IS NOT NULL)")
                ?? false
        case .model:
            if let name = values["model"] {
                return try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM run_means WHERE model_name = ?)",
                    arguments: [name.databaseValue]) ?? false
            }
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run_means WHERE model IS NOT NULL)")
                ?? false
        }
    }

    /// Runs the coverage query: one number (NULL counts as 0).
    private func coverageCount(_ sql: String, values: [String: SQLValue], in db: Database) throws -> Int {
        let statement = try prepare(sql, part: "coverage", values: values, in: db)
        guard let row = try Row.fetchOne(statement), row.count > 0 else { return 0 }
        switch SQLValue(row[0]) {
        case .null: return 0
        case .integer(let i): return Int(clamping: i)
        case .real(let d) where d.isFinite: return Int(d.rounded(.down))
        default: throw ClaimDefect(message: "coverage: the query must return a number in its first column")
        }
    }

    /// Compiles exactly one read-only statement that returns rows, and binds the parameters it uses.
    private func prepare(
        _ sql: String, part: String, values: [String: SQLValue], in db: Database
    ) throws -> Statement {
        let statements = try db.allStatements(sql: sql)
        guard let statement = try statements.next() else {
            throw ClaimDefect(message: "\(part): no SQL statement")
        }
        guard try statements.next() == nil else {
            throw ClaimDefect(message: "\(part): a claim runs exactly one statement (remove the extra ones)")
        }
        guard statement.isReadonly else {
            throw ClaimDefect(message: "\(part): refused, the statement would write to the database")
        }
        guard statement.columnCount > 0 else {
            throw ClaimDefect(message: "\(part): refused, the statement returns no rows (it must be a query)")
        }
        var arguments: [String: DatabaseValue] = [:]
        let count = sqlite3_bind_parameter_count(statement.sqliteStatement)
        for index in stride(from: Int32(1), through: count, by: 1) {
            guard let raw = sqlite3_bind_parameter_name(statement.sqliteStatement, index) else {
                throw ClaimDefect(message: "\(part): positional ? parameters are not supported; use :name")
            }
            let name = String(String(cString: raw).dropFirst())
            guard let value = values[name] else {
                let declared = values.keys.sorted().joined(separator: ", ")
                throw ClaimDefect(
                    message: "\(part): uses :\(name), which the header's params do not declare"
                        + (declared.isEmpty ? "" : " (declared: \(declared))"))
            }
            arguments[name] = value.databaseValue
        }
        try statement.setArguments(StatementArguments(arguments))
        return statement
    }
}

/// A defect of the claim file found while preparing it (bad input, exit 2).
private struct ClaimDefect: Error {
    var message: String
}
