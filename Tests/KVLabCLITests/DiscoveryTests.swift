import ArgumentParser
import Foundation
import KVLabTestSupport
import Testing

@testable import KVLabCLI

/// Discovery: an example in every command's help, shell completion of names and files, and `kvlab status`
/// telling an idle sweep from a running one.
struct DiscoveryTests {
    /// Every command of the tree under `command`, with its path.
    static func commands(_ command: any ParsableCommand.Type, path: [String] = []) -> [(
        [String], any ParsableCommand.Type
    )] {
        let name = command.configuration.commandName ?? "kvlab"
        let here = path + [name]
        return [(here, command)] + command.configuration.subcommands.flatMap { commands($0, path: here) }
    }

    /// A database in a new directory holding one small computed sweep (its spec is `spec.yaml` beside it).
    static func sweep(_ name: String, seeds: Int, trials: Int) throws -> (URL, String) {
        let dir = try TemporaryDirectory.create()
        let db = dir.appendingPathComponent("db.sqlite").path
        let spec = dir.appendingPathComponent("spec.yaml")
        try "name: \(name)\nseeds: \(seeds)\ntrials: \(trials)\nfixed:\n  dim: 16\n  tokens: 8\n  queries: 2\n".write(
            to: spec, atomically: true, encoding: .utf8)
        let r = try KVLabProcess.run(["run", spec.path, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, db)
    }

    @Test("every command's --help shows an example")
    func everyCommandHasAnExample() throws {
        let all = Self.commands(KVLab.self)
        #expect(all.count >= 40)
        for (path, command) in all {
            let discussion = command.configuration.discussion
            let example = discussion.split(separator: "\n").contains { $0.hasPrefix("Example: kvlab ") }
            #expect(example, "\(path.joined(separator: " ")) has no example on a line of its own")
        }
        let help = try KVLabProcess.run(["help", "dataset", "rm"])
        #expect(help.stdout.contains("Example: kvlab dataset rm smollm2"), "\(help.stdout)")
    }

    @Test("comma-separated lists complete their last item; --db is found in the words")
    func completionHelpers() {
        #expect(Completions.listItems(["kl", "k_angle", "js"], prefix: "k") == ["kl", "k_angle"])
        #expect(Completions.listItems(["kl", "k_angle", "js"], prefix: "kl,k") == ["kl,k_angle"])
        #expect(Completions.listItems(["kl", "js"], prefix: "kl,") == ["kl,js"])
        #expect(Completions.matching(Completions.shippedClaimNames, "kqv-") == ["kqv-wins-at-n4"])
        #expect(Completions.databasePath(["kvlab", "status", "--db", "a.sqlite"], environment: [:]) == "a.sqlite")
        #expect(
            Completions.databasePath(["kvlab", "status", "--db='my db.sqlite'"], environment: [:]) == "my db.sqlite")
        #expect(Completions.databasePath(["kvlab", "status"], environment: ["KVLAB_DB": "e.sqlite"]) == "e.sqlite")
        #expect(Completions.databasePath(["kvlab", "status"], environment: [:]) == "kvlab.sqlite")
    }

    @Test("files complete by extension, directories with a slash")
    func fileCompletion() throws {
        let dir = try TemporaryDirectory.create()
        try "".write(to: dir.appendingPathComponent("a.sql"), atomically: true, encoding: .utf8)
        try "".write(to: dir.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("claims"), withIntermediateDirectories: true)
        let prefix = dir.path + "/"
        #expect(Completions.files(prefix, extensions: ["sql"]) == [prefix + "a.sql", prefix + "claims/"])
        #expect(Completions.files(prefix + "c", extensions: ["sql"]) == [prefix + "claims/"])
    }

    @Test("sweep and dataset names come from the database; a missing one completes to nothing, quietly")
    func databaseNames() throws {
        let (dir, db) = try Self.sweep("alpha", seeds: 1, trials: 1)
        // Through the binary, as the shell scripts call it: words, the index of the word, the cursor.
        let words = ["kvlab", "status", "--db", db, "--sweep", "al"]
        let sweeps = try KVLabProcess.run(["---completion", "status", "--", "--sweep", "5", "2"] + words)
        #expect(sweeps.status == 0, "\(sweeps.stderr)")
        #expect(sweeps.stdout.split(separator: "\n") == ["alpha"], "\(sweeps.stdout)")
        #expect(Completions.names(sql: "SELECT name FROM datasets", database: db) == [])
        let missing = dir.appendingPathComponent("none.sqlite").path
        let quiet = try KVLabProcess.run(
            ["---completion", "status", "--", "--sweep", "5", "0", "kvlab", "status", "--db", missing, "--sweep", ""])
        #expect(quiet.status == 0 && quiet.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        let notADatabase = dir.appendingPathComponent("spec.yaml").path
        #expect(Completions.names(sql: "SELECT name FROM sweeps", database: notADatabase) == [])
        let script = try KVLabProcess.run(["--generate-completion-script", "bash"])
        #expect(script.status == 0 && script.stdout.contains("---completion"))
    }

    @Test("status: idle and no ETA when no process computes; active with an ETA while one does")
    func statusIdle() throws {
        let (_, db) = try Self.sweep("s", seeds: 3, trials: 2)
        func status() throws -> [String: Any] {
            let r = try KVLabProcess.run(["status", "--db", db, "--sweep", "s", "--format", "json"])
            let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
            return try #require(rows?.first)
        }
        var row = try status()
        #expect(row["activity"] as? String == "idle" && row["eta_s"] as? Double == 0)
        // One run back to pending with nobody computing: idle, and no ETA.
        func write(_ sql: String) throws {
            let r = try KVLabProcess.run(["sql", "--write", "--db", db, sql])
            #expect(r.status == 0, "\(r.stderr)")
        }
        try write("UPDATE runs SET state = 'pending', trials_hash = NULL WHERE id = (SELECT min(id) FROM runs)")
        row = try status()
        #expect(row["activity"] as? String == "idle" && row["pending"] as? Int == 1)
        #expect(row["eta_s"] is NSNull, "\(row)")
        // Leased to a live process on this host (this test): active, with an ETA.
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try write(
            "UPDATE runs SET state = 'running', lease_host = '\(host)', lease_pid = \(getpid()), "
                + "lease_expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 600 WHERE id = (SELECT min(id) FROM runs)"
        )
        row = try status()
        #expect(row["activity"] as? String == "active" && row["running"] as? Int == 1, "\(row)")
        #expect(row["eta_s"] is Double, "\(row)")
        // The same lease, expired: stale, so idle again.
        try write("UPDATE runs SET lease_expires_at = 0 WHERE state = 'running'")
        row = try status()
        #expect(row["activity"] as? String == "idle" && row["stale_leases"] as? Int == 1, "\(row)")
        #expect(row["eta_s"] is NSNull)
    }
}
