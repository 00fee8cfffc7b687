import Foundation
import KVLabTestSupport
import Testing

/// The same mistake gets the same exit code and a message that says what was wrong (issue: reliability,
/// "Messages").
@Suite("Reliability: messages")
struct MessageTests {
    @Test("empty --db, unknown retry sweep, negative numbers, SQL that starts with a comment")
    func messages() throws {
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [([String], Int32, String)] = [
            (["status", "--db", ""], 2, "--db: the path is empty"),
            (["run", "smoke", "--db", ""], 2, "--db: the path is empty"),
            (["run", "--db", ""], 2, "--db: the path is empty"),
            (["merge", "--into", "", db], 2, "--into: the path is empty"),
            (["sql", "--db", "", "SELECT 1"], 2, "--db: the path is empty"),
            (["retry", "--sweep", "nosuch", "--db", db], 2, "no sweep named 'nosuch'"),
            (["status", "--sweep", "nosuch", "--db", db], 2, "no sweep named 'nosuch'"),
            (["run", "smoke", "--db", db, "--jobs", "-1"], 2, "--jobs: -1 must be ≥ 1"),
            (["trial", "--bits", "-1"], 2, "--bits: -1 is out of range 1…8"),
            (["trial", "--noise", "-0.5"], 2, "--noise: -0.5 must be"),
        ]
        for (arguments, status, message) in cases {
            let r = try KVLabProcess.run(arguments)
            #expect(r.status == status, "\(arguments): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("Missing value"), "\(arguments): \(r.stderr)")
        }
        let comment = try KVLabProcess.run([
            "sql", "--db", db, "--format", "csv", "-- runs done\nSELECT count(*) AS n FROM runs",
        ])
        #expect(comment.status == 0, "\(comment.stderr)")
        #expect(comment.stdout == "n\n24\n")
    }

    @Test("a database of an older schema names the command that upgrades it, and that command does")
    func outdatedSchema() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("old.sqlite")
        try FileManager.default.copyItem(atPath: ReleaseCompatibilityTests.fixture, toPath: db)
        let read = try KVLabProcess.run(["sql", "SELECT count(*) FROM runs", "--db", db])
        #expect(read.status == 3)
        let command = "kvlab sql --write \"SELECT 1\" --db \(db)"
        #expect(read.stderr.contains("upgrade it once with `\(command)`"), "\(read.stderr)")
        #expect(try KVLabProcess.run(["sql", "--write", "SELECT 1", "--db", db]).status == 0)
        let again = try KVLabProcess.run(["sql", "SELECT count(*) FROM runs", "--db", db, "--format", "csv"])
        #expect(again.status == 0 && again.stdout.hasPrefix("count(*)\n"), "\(again.stderr)")
    }
}
