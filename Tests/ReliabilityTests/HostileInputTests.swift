import Claims
import ExperimentStore
import Foundation
import KVLabTestSupport
import Statistics
import Sweeps
import Testing

/// Hostile and malformed input: fuzzed sweep specs and claim files, parameter values that look like SQL,
/// and SQL that tries to write without `--write`.
@Suite("Reliability: hostile input")
struct HostileInputTests {
    /// Fuzz cases run in-process per shipped spec / per shipped claim (the binary gets a few dozen more).
    static let specCasesPerFile = 700
    static let claimCasesPerFile = 300

    @Test("thousands of mutated shipped specs parse or fail with a located SweepSpecError, never crash")
    func specFuzz() throws {
        var rng = SplitMix64(seed: 0xF022_5EED)
        var parsed = 0
        var failed = 0
        for name in SweepSpec.shippedNames {
            let original = Array(try #require(SweepSpec.shippedText(named: name)).utf8)
            for _ in 0..<Self.specCasesPerFile {
                let text = String(decoding: Mutator.mutations(original, &rng), as: UTF8.self)
                do {
                    let spec = try SweepSpec.parse(text: text, source: "fuzz.yaml")
                    #expect(spec.runCount <= SweepSpec.maxRuns)
                    parsed += 1
                } catch {
                    #expect(error.description.hasPrefix("fuzz.yaml: "), "\(error)")
                    #expect(!error.message.isEmpty)
                    if error.kind == .syntax { #expect(error.line != nil, "\(error)") }
                    failed += 1
                }
            }
        }
        print("spec fuzz: \(parsed + failed) cases, \(parsed) parsed, \(failed) located errors")
        #expect(parsed + failed == SweepSpec.shippedNames.count * Self.specCasesPerFile)
        #expect(failed > 0)
    }

    @Test("thousands of mutated shipped claims parse or fail with file:line, never crash")
    func claimFuzz() throws {
        var rng = SplitMix64(seed: 0xC1A1_5EED)
        var parsed = 0
        var failed = 0
        for file in ShippedClaims.files {
            for _ in 0..<Self.claimCasesPerFile {
                let bytes = Mutator.mutations(file.bytes, &rng)
                let lines = String(decoding: bytes, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false)
                do {
                    let claim = try ClaimFile.parse(bytes: bytes, source: "fuzz.sql", defaultName: "fuzz")
                    #expect(!claim.body.isEmpty)
                    parsed += 1
                } catch {
                    guard case .malformed(let source, let line, let message) = error else {
                        Issue.record("unexpected error kind: \(error)")
                        continue
                    }
                    #expect(source == "fuzz.sql")
                    #expect(line >= 1 && line <= lines.count + 1, "line \(line) of \(lines.count)")
                    #expect(!message.isEmpty)
                    #expect(error.description.hasPrefix("fuzz.sql:\(line): "))
                    failed += 1
                }
            }
        }
        print("claim fuzz: \(parsed + failed) cases, \(parsed) parsed, \(failed) located errors")
        #expect(parsed + failed == ShippedClaims.files.count * Self.claimCasesPerFile)
        #expect(failed > 0)
    }

    @Test("mutated specs and claims through the binary: exit 0 or 2 with the file named, never a crash")
    func binaryFuzz() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 0xB1_5EED)
        let db = dir.appendingPathComponent("never.sqlite").path
        var outcomes: [Int32: Int] = [:]
        for i in 0..<24 {
            let name = SweepSpec.shippedNames[i % SweepSpec.shippedNames.count]
            let text = Array(try #require(SweepSpec.shippedText(named: name)).utf8)
            let url = dir.appendingPathComponent("spec\(i).yaml")
            try Data(Mutator.mutations(text, &rng)).write(to: url)
            let r = try KVLabProcess.run(["run", url.path, "--db", db, "--dry-run"])
            #expect(!Kvlab.crashed(r), "\(r.stderr)")
            #expect(r.status == 0 || r.status == 2, "status \(r.status): \(r.stderr)")
            if r.status == 2 { #expect(r.stderr.contains(url.path), "\(r.stderr)") }
            outcomes[r.status, default: 0] += 1
        }
        for i in 0..<16 {
            let file = ShippedClaims.files[i % ShippedClaims.files.count]
            let url = dir.appendingPathComponent("claim\(i).sql")
            try Data(Mutator.mutations(file.bytes, &rng)).write(to: url)
            let r = try KVLabProcess.run(["claims", "list", url.path])
            #expect(!Kvlab.crashed(r), "\(r.stderr)")
            #expect(r.status == 0 || r.status == 2, "status \(r.status): \(r.stderr)")
            if r.status == 2 { #expect(r.stderr.contains(url.path + ":"), "\(r.stderr)") }
            outcomes[r.status, default: 0] += 1
        }
        #expect(!FileManager.default.fileExists(atPath: db), "a dry run or a claim listing created the database")
        print("binary fuzz: 40 cases, outcomes by exit status \(outcomes)")
    }

    /// A database with one small done sweep.
    static func smallDatabase(in dir: URL) throws -> String {
        let db = dir.appendingPathComponent("db.sqlite").path
        let spec = try Kvlab.writeSpec(
            "name: s\nseeds: 1\ntrials: 2\nfixed: {dim: 16, tokens: 8, queries: 2}\ngrid: {bits: [2, 3]}\n", in: dir)
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    @Test("--param values with quotes, semicolons and huge strings are bound as values, never spliced")
    func parameterValues() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.smallDatabase(in: dir)
        let hostile = [
            "'); DROP TABLE trials; --", "1; DELETE FROM runs", "\" OR 1=1 --", "x' OR '1'='1", "a\\b;c\td",
            ":other", "$(rm -rf /)", "é😀\u{7F}", String(repeating: "Z;'\"", count: 25_000),
        ]
        for value in hostile {
            let r = try KVLabProcess.run([
                "sql", "--db", db, "--format", "json", "SELECT :v AS v, length(:v) AS n", "--param", "v=\(value)",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
            let row = try #require(rows?.first)
            // A value that parses as a number is bound as one (documented typing); everything else is text.
            #expect(row["v"] as? String == value, "value round-trip failed for \(value.prefix(40))")
            #expect(row["n"] as? Int == value.unicodeScalars.count)
        }
        // Written through --write, the hostile value lands in one cell and nothing else changes.
        let before = try KVLabProcess.scalar(db, "SELECT count(*) FROM trials")
        let w = try KVLabProcess.run([
            "sql", "--db", db, "--write", "UPDATE runs SET error = :e WHERE id = (SELECT min(id) FROM runs)",
            "--param", "e='); DROP TABLE trials; --",
        ])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM trials") == before)
        let errors = try KVLabProcess.rows(db, "SELECT error FROM runs WHERE error IS NOT NULL")
        #expect(errors.count == 1 && errors.first?["error"] as? String == "'); DROP TABLE trials; --")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
    }

    @Test("a NUL byte inside a bound text value is refused, not silently cut short (argv cannot carry NUL)")
    func nulBytes() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("nul.sqlite").path)
        let value = "a\u{0}b'; DROP TABLE runs; --"
        #expect(throws: StoreError.invalidParameter(":v contains a NUL byte; pass binary data as a blob")) {
            try store.execute(sql: "SELECT :v", parameters: ["v": .text(value)])
        }
        // As a blob the bytes round-trip whole.
        let blob = Array(value.utf8)
        let result = try store.execute(sql: "SELECT :v, length(:v)", parameters: ["v": .blob(blob)])
        #expect(result.rows.first?.first == .blob(blob))
        #expect(result.rows.first?.last == .integer(Int64(blob.count)))
        #expect(try store.execute(sql: "SELECT count(*) FROM runs").rows.first?.first == .integer(0))
    }

    @Test(
        "kvlab sql without --write cannot modify the database (ATTACH, PRAGMA, VACUUM INTO, functions, DML)",
        arguments: [
            "DELETE FROM runs",
            "UPDATE trials SET kl = 0",
            "ATTACH '__DIR__/evil.sqlite' AS e; CREATE TABLE e.t (x)",
            "ATTACH '__DIR__/evil.sqlite' AS e",
            "PRAGMA user_version = 99",
            "PRAGMA application_id = 1",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA writable_schema = 1; UPDATE sqlite_master SET sql = 'x'",
            "VACUUM INTO '__DIR__/copy.sqlite'",
            "VACUUM",
            "ANALYZE",
            "REINDEX",
            "CREATE TABLE t (x)",
            "DROP VIEW trials_wide",
            "SELECT load_extension('__DIR__/evil')",
            "SELECT writefile('__DIR__/evil.txt', 'x')",
            "INSERT INTO sweeps (name, spec, spec_hash, created_at, updated_at) VALUES ('x', '', '', 0, 0)",
            "WITH x AS (SELECT 1) DELETE FROM trials",
            "SELECT 1; DELETE FROM runs",
            "BEGIN; DELETE FROM runs; COMMIT",
            "PRAGMA query_only = 0; DELETE FROM runs",
        ])
    func readOnlySQL(sql: String) throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.smallDatabase(in: dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let dump = try KVLabProcess.dump(db)
        let statement = sql.replacingOccurrences(of: "__DIR__", with: dir.path)
        let r = try KVLabProcess.run(["sql", "--db", db, statement])
        #expect(r.status == 2 || r.status == 3, "status \(r.status) for \(statement): \(r.stdout) \(r.stderr)")
        #expect(!Kvlab.crashed(r))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before, "the file changed")
        #expect(try KVLabProcess.dump(db) == dump)
        #expect(try KVLabProcess.scalar(db, "PRAGMA user_version") == "\(Store.schemaVersion)")
        for name in ["evil.sqlite", "copy.sqlite", "evil.txt"] {
            let path = dir.appendingPathComponent(name).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            #expect(size == 0, "\(name) was written")
        }
    }
}
