import ExperimentStore
import Foundation
import GRDB
import KVLabTestSupport
import Testing

@testable import Sweeps

/// A spec's `description` and `tags` (issue 19 item 7): stored with the sweep, never part of its plan.
@Suite("Sweep description and tags")
struct SweepMetadataTests {
    static func spec(_ extra: String, trials: Int = 2) -> String {
        """
        name: described
        \(extra)
        seeds: 2
        trials: \(trials)
        fixed: {dim: 16, tokens: 32, queries: 4}
        grid:
          scheme: [KV, KQV]
        """
    }

    @Test("parsed as written; the fingerprints ignore them")
    func parsing() throws {
        let plain = try TestSupport.spec(Self.spec(""))
        let described = try TestSupport.spec(
            Self.spec(
                """
                description: "Budget scan, second try: QJL off"
                tags: {owner: ana, paper: "2", priority: 1}
                """))
        #expect(plain.description == nil && plain.tags.isEmpty)
        #expect(described.description == "Budget scan, second try: QJL off")
        #expect(described.tags == ["owner": "ana", "paper": "2", "priority": "1"])
        #expect(described.fingerprint == plain.fingerprint && described.planFingerprint == plain.planFingerprint)
        // Carried over by a change of seeds (kvlab reproduce --seeds).
        #expect(try described.replacingSeeds([1, 2, 3]).tags == described.tags)
    }

    @Test("bad description or tags are errors at their key path")
    func errors() {
        let cases: [(String, String)] = [
            ("description: [a, b]", "description"),
            ("description: ~", "description"),
            ("tags: [a, b]", "tags"),
            ("tags: {owner: [a, b]}", "tags.owner"),
            ("tags: {owner: ~}", "tags.owner"),
            ("description: \"\(String(repeating: "x", count: SweepSpec.maxDescriptionLength + 1))\"", "description"),
        ]
        for (extra, path) in cases {
            let error = TestSupport.error(Self.spec(extra))
            #expect(error?.keyPath == path, "\(extra): \(String(describing: error))")
        }
    }

    @Test("stored with the sweep; editing them re-plans nothing and needs no --amend")
    func stored() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path(), mode: .readWrite)
        func plan(_ text: String) throws -> SweepPlanner.Result {
            try SweepPlanner.plan(
                try SweepSpec.parse(text: text, source: "s.yaml"), specText: text, shard: .whole, amend: false,
                store: store, provenance: nil)
        }
        let first = try plan(Self.spec("description: first\ntags: {b: \"2\", a: \"1\"}"))
        #expect(first.newRuns == 4)
        func row() throws -> Row? {
            try store.read { db in try Row.fetchOne(db, sql: "SELECT description, tags, trials FROM sweeps") }
        }
        #expect(try row()?[0] == "first" && row()?[1] == #"{"a":"1","b":"2"}"# && row()?[2] == 2)
        let runs = try store.execute(sql: "SELECT id, trials_planned, state FROM runs ORDER BY id").rows
        let second = try plan(Self.spec("description: edited"))
        #expect(second.newRuns == 0)
        #expect(try row()?[0] == "edited" && (row()?[1] as String?) == nil)
        #expect(try store.execute(sql: "SELECT id, trials_planned, state FROM runs ORDER BY id").rows == runs)
        // Queryable with SQL.
        _ = try plan(Self.spec("tags: {owner: ana}"))
        let owner = try store.execute(sql: "SELECT name FROM sweeps WHERE tags ->> '$.owner' = 'ana'")
        #expect(owner.rows.count == 1)
    }

    @Test("the planning process is the sweep's provenance_id (NULL before); a later plan records the later process")
    func provenance() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path(), mode: .readWrite)
        let text = Self.spec("")
        let spec = try SweepSpec.parse(text: text, source: "s.yaml")
        func plan(_ provenance: Provenance?) throws -> SweepPlanner.Result {
            try SweepPlanner.plan(
                spec, specText: text, shard: .whole, amend: false, store: store, provenance: provenance)
        }
        func stored() throws -> Int64? {
            try store.read { db in try Int64.fetchOne(db, sql: "SELECT provenance_id FROM sweeps") }
        }
        let first = try plan(Provenance.current(kvlabVersion: "test", command: "kvlab run first"))
        let id = try #require(first.provenanceID)
        #expect(try stored() == id)
        let command = try store.read { db in
            try String.fetchOne(db, sql: "SELECT command FROM provenance WHERE id = ?", arguments: [id])
        }
        #expect(command == "kvlab run first")
        // The runner reuses the plan's row instead of recording a second one.
        let runner = SweepRunner(
            store: store, jobs: 1, sweep: spec.name, provenance: Provenance.current(kvlabVersion: "test"))
        #expect(try runner.pendingWork(provenanceID: id).provenanceID == id)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM provenance") } == 1)
        // Without a provenance the stored one stays; another planning process replaces it.
        #expect(try plan(nil).provenanceID == nil)
        #expect(try stored() == id)
        let later = try plan(Provenance.current(kvlabVersion: "test", command: "kvlab run again"))
        #expect(try stored() == later.provenanceID && later.provenanceID != id)
        // Planning stopped inside its transaction (the second poll) leaves no provenance row behind.
        var polls = 0
        #expect(throws: CancellationError.self) {
            try SweepPlanner.plan(
                spec, specText: text, shard: .whole, amend: false, store: store,
                provenance: Provenance.current(kvlabVersion: "test"),
                isCancelled: {
                    polls += 1
                    return polls > 1
                })
        }
        #expect(polls > 1)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM provenance") } == 2)
    }
}

/// Planning a planned sweep again is a pass over the spec, not queries per run (issue 20 item 14: a
/// million-run sweep re-planned for minutes before any work).
@Suite("Incremental planning")
struct IncrementalPlanningTests {
    final class Counter: @unchecked Sendable {
        var statements = 0
    }

    /// Plans `text` in one transaction and returns how many SQL statements it ran.
    static func statements(_ store: Store, _ text: String) throws -> Int {
        let spec = try SweepSpec.parse(text: text, source: "s.yaml")
        let counter = Counter()
        try store.write { db in
            db.trace(options: .statement) { _ in counter.statements += 1 }
            defer { db.trace(options: [], nil) }
            try Store.planSweep(
                name: spec.name, spec: text, specHash: spec.planFingerprint,
                runs: spec.configs.map { ($0, spec.seeds) },
                trials: spec.trials, provenanceID: nil, in: db)
        }
        return counter.statements
    }

    static func spec(seeds: Int, trials: Int = 2) -> String {
        """
        name: incremental
        seeds: \(seeds)
        trials: \(trials)
        fixed: {dim: 16, tokens: 32, queries: 4}
        grid: {scheme: [KV, KQV, QKQV], bits: [2, 3, 4]}
        """
    }

    @Test("planning runs a fixed number of statements per config whatever the seed count; re-planning a fixed number")
    func replan() throws {
        let dir = try TemporaryDirectory()
        let small = try Store(path: dir.path("small.sqlite"), mode: .readWrite)
        let large = try Store(path: dir.path("large.sqlite"), mode: .readWrite)
        // A config's runs are written by a few statements together: 40 seeds cost what 2 do (9 configs).
        let first = try Self.statements(small, Self.spec(seeds: 2))
        #expect(first > 9)
        #expect(try Self.statements(large, Self.spec(seeds: 40)) == first)
        #expect(
            try large.execute(sql: "SELECT count(*), count(DISTINCT config_hash) FROM runs").rows == [
                [.integer(360), .integer(9)]
            ])
        let again = try Self.statements(small, Self.spec(seeds: 2))
        // The sweep row: read, its checksum checked, rewritten and sealed; the members read once.
        #expect(again <= 6)
        #expect(try Self.statements(large, Self.spec(seeds: 40)) == again)
        // More seeds plan only the new runs; more trials extend every run.
        _ = try Self.statements(small, Self.spec(seeds: 3))
        #expect(try small.execute(sql: "SELECT count(*) FROM sweep_runs").rows == [[.integer(27)]])
        _ = try Self.statements(small, Self.spec(seeds: 3, trials: 4))
        #expect(try small.execute(sql: "SELECT min(trials_planned) FROM runs").rows == [[.integer(4)]])
    }
}
