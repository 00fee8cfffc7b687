import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Testing

@testable import Claims

/// Every shipped claim gives the same rows through the plain `sqlite3` shell (with `.param set`) as
/// through kvlab: the claims use no kvlab-only SQL.
struct SQLiteShellTests {
    /// A database where every shipped claim has failing rows (or passes), without infinities.
    func fixture() throws -> FixtureDatabase {
        let db = try FixtureDatabase()
        try db.addGrid { key, trial, m in
            if key.scheme == .KV, key.distribution == .gaussian {
                m[.kl] = pow(4, -Double(key.bits)) * (1 + 0.01 * FixtureDatabase.noise(key.seed, 2))
            }
            if key.scheme == .QKQV, key.bits == 4 { m[.kAngle] *= 0.8 }
            if key.scheme == .QKQV { m[.kl] *= 1.2 }
            if key.scheme == .KV, key.bits == 6, key.seed == 3 { m[.kRelL2] = 0.9 }
            if key.scheme == .KQV, key.bits == 2 { m[.kRelL2] = 0.9 }
            if key.seed == 5, trial == 1, key.bits == 3 { m[.hellinger] = .nan }
            if key.scheme == .KV, key.seed == 1, trial == 0 { m[.bitsV] = 0 }
        }
        return db
    }

    @Test(.enabled(if: ExternalTool.sqlite3 != nil, "the sqlite3 shell is not installed"))
    func shippedClaimsGiveTheSameRowsInSQLite3() throws {
        let sqlite3 = try #require(ExternalTool.sqlite3)
        let db = try fixture()
        let claims = try ShippedClaims.all()
        let report = try db.evaluate(claims)
        let directory = db.directory
        for (claim, e) in zip(claims, report.evaluations) where claim.kind == .synthetic {
            #expect(e.verdict == .fail || e.verdict == .pass, "\(claim.name): \(e.message ?? "")")
            let file = directory.appendingPathComponent(claim.name + ".sql")
            let bytes = try #require(ShippedClaims.files.first { "shipped:" + $0.name == claim.source }?.bytes)
            try Data(bytes).write(to: file)
            var script = ""
            for p in e.parameters {
                let literal: String
                switch p.value {
                case .integer(let i): literal = String(i)
                case .real(let d): literal = "\(d)"
                case .text(let s): literal = s
                default: literal = "NULL"
                }
                script += ".param set :\(p.name) \(literal)\n"
            }
            script += ".mode json\n.read '\(file.path)'\n"
            let result = try KVLabProcess.spawn(sqlite3, ["-readonly", db.path], input: script)
            #expect(result.status == 0, "\(claim.name): \(result.stderr)")
            #expect(result.stderr.isEmpty, "\(claim.name): \(result.stderr)")
            let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let rows: [[String: Any]]
            if text.isEmpty {
                rows = []
            } else {
                rows = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
            }
            #expect(rows.count == e.failingRowCount, "\(claim.name)")
            for (shell, ours) in zip(rows, e.failingRows) {
                for (column, value) in zip(e.columns, ours) {
                    #expect(
                        Self.same(shell[column], value),
                        "\(claim.name).\(column): \(shell[column] ?? "nil") vs \(value)")
                }
            }
        }
    }

    /// Whether a value printed by sqlite3's JSON mode (15 significant digits) matches kvlab's.
    static func same(_ shell: Any?, _ value: SQLValue) -> Bool {
        switch value {
        case .null: return shell == nil || shell is NSNull
        case .text(let s): return shell as? String == s
        case .integer(let i): return (shell as? NSNumber)?.int64Value == i
        case .real(let d):
            guard let x = (shell as? NSNumber)?.doubleValue else { return false }
            return abs(x - d) <= 1e-12 * max(1, abs(d))
        case .blob: return false
        }
    }

    @Test func reportsRunInKVLabAndInSQLite3WithTheSameRows() throws {
        let reports = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("queries/reports")
        let names = try FileManager.default.contentsOfDirectory(atPath: reports.path).filter { $0.hasSuffix(".sql") }
        #expect(names.count >= 3)
        let db = try fixture()
        for name in names.sorted() {
            let file = reports.appendingPathComponent(name)
            let result = try db.store.execute(sql: try String(contentsOf: file, encoding: .utf8))
            #expect(!result.rows.isEmpty, "\(name)")
            guard let sqlite3 = ExternalTool.sqlite3 else { continue }
            let shell = try KVLabProcess.spawn(
                sqlite3, ["-readonly", db.path], input: ".mode json\n.read '\(file.path)'\n")
            #expect(shell.status == 0 && shell.stderr.isEmpty, "\(name): \(shell.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(shell.stdout.utf8)) as? [[String: Any]]
            #expect(rows?.count == result.rows.count, "\(name)")
            for (theirs, ours) in zip(rows ?? [], result.rows) {
                for (column, value) in zip(result.columns, ours) {
                    #expect(Self.same(theirs[column], value), "\(name).\(column)")
                }
            }
        }
    }
}
