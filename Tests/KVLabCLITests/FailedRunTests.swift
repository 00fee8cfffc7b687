import Foundation
import KVLabTestSupport
import Testing

/// `kvlab run`, `status` and `retry` with failed runs, end to end.
@Suite("kvlab run: failed runs, status and retry")
struct FailedRunTests {
    static func spec(trials: Int) -> String {
        """
        name: capped
        seeds: 2
        trials: \(trials)
        fixed: {dim: 16, tokens: 32, queries: 4}
        grid:
          scheme: [KV, KQV]
          bits: [2, 3]
        """
    }

    @Test("a run at the attempt cap is failed with the reason, the others are computed (exit 3); retry resets it")
    func capThenRetry() throws {
        let dir = try TemporaryDirectory()
        let specPath = dir.path("capped.yaml")
        try Self.spec(trials: 2).write(toFile: specPath, atomically: true, encoding: .utf8)
        let reference = dir.path("reference.sqlite")
        #expect(try KVLabProcess.run(["run", specPath, "--db", reference, "--quiet"]).status == 0)

        // One trial per run, then the first run in claim order marked as three processes that died
        // computing it would leave it (3 attempts, its last lease abandoned); raising the trials to 2 sends
        // every run back to pending.
        let db = dir.path("capped.sqlite")
        try Self.spec(trials: 1).write(toFile: specPath, atomically: true, encoding: .utf8)
        #expect(try KVLabProcess.run(["run", specPath, "--db", db, "--quiet"]).status == 0)
        let first = try KVLabProcess.scalar(
            db, "SELECT r.id FROM runs r JOIN configs c USING (config_hash) ORDER BY c.scheme, c.bits, r.seed LIMIT 1")
        let set = try KVLabProcess.run([
            "sql", "--write", "--db", db, "UPDATE runs SET attempts = 3, lease_expires_at = 0 WHERE id = \(first)",
        ])
        #expect(set.status == 0, "\(set.stderr)")
        try Self.spec(trials: 2).write(toFile: specPath, atomically: true, encoding: .utf8)
        let capped = try KVLabProcess.run(["run", specPath, "--db", db, "--amend", "--quiet"])
        #expect(capped.status == 3, "\(capped.stderr)")
        let reason = "claimed 3 times without finishing; the process may be running out of memory"
        #expect(capped.stderr.contains("kvlab: 1 run failed (run \(first): \(reason))"), "\(capped.stderr)")
        #expect(capped.stderr.contains("`kvlab retry`"))
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM runs WHERE state = 'done'") == "7")

        let status = try KVLabProcess.run(["status", "--db", db, "--format", "json"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"failed\":1"))
        #expect(status.stdout.contains("\"errors\":\"run \(first): \(reason)\""))
        // Nothing left to compute, but the sweep is incomplete: still exit 3.
        let again = try KVLabProcess.run(["run", specPath, "--db", db])
        #expect(again.status == 3 && again.stderr.contains("nothing to do") && again.stderr.contains("1 run failed"))

        let retry = try KVLabProcess.run(["retry", "--db", db])
        #expect(retry.status == 0 && retry.stdout.hasPrefix("1 failed runs sent back to pending"))
        #expect(
            try KVLabProcess.scalar(db, "SELECT state || ' ' || attempts FROM runs WHERE id = \(first)") == "pending 0")
        #expect(try KVLabProcess.run(["run", "--db", db, "--quiet"]).status == 0)
        #expect(try KVLabProcess.dump(db) == KVLabProcess.dump(reference))
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
    }
}
