import Foundation
import Statistics
import Testing

/// kill -9 at seeded random moments, then resume: the result equals an uninterrupted run.
@Suite("Reliability: kill -9 and resume", .serialized)
struct KillResumeTests {
    @Test("5 kill -9s at seeded random moments: integrity ok after each, verify clean, resume = uninterrupted")
    func randomKills() throws {
        let dir = try Kvlab.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 4), in: dir)
        let reference = dir.appendingPathComponent("ref.sqlite").path
        let start = Date()
        let r = try Kvlab.run(["run", spec, "--db", reference, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let uninterrupted = Date().timeIntervalSince(start)
        let expected = try Kvlab.dump(reference)

        let db = dir.appendingPathComponent("killed.sqlite").path
        var rng = SplitMix64(seed: 0x4B11_1ED)
        var interrupted = 0
        for kill in 0..<5 {
            // Spread the kills over the run's duration (at least 30 ms in, at most ~1.2× its length).
            let delay = 0.03 + Double.random(in: 0...1, using: &rng) * max(0.2, uninterrupted * 1.2)
            let process = try Kvlab.start(["run", spec, "--db", db, "--quiet", "--jobs", "\(1 + kill % 2)"])
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning { interrupted += 1 }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: db) {
                #expect(try Kvlab.integrity(db) == "ok", "after kill \(kill) at \(delay) s")
                let v = try Kvlab.run(["verify", "--db", db])
                #expect(v.status == 0, "after kill \(kill): \(v.stdout)\(v.stderr)")
            }
        }
        let resumed = try Kvlab.run(["run", spec, "--db", db, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Kvlab.dump(db) == expected)
        #expect(try Kvlab.run(["verify", "--db", db]).status == 0)
        #expect(try Kvlab.scalar(db, "SELECT count(*) FROM runs WHERE state <> 'done'") == "0")
        print("kill -9: 5 kills (\(interrupted) while running; uninterrupted run \(uninterrupted) s); resume identical")
    }
}
