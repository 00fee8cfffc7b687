import Foundation
import KVLabTestSupport
import Testing

/// Several `kvlab run` processes finishing together on one database, with a reader running.
@Suite("Reliability: concurrent processes", .serialized)
struct ConcurrencyTests {
    @Test("4 processes ending together (concurrent final checkpoints) with a reader: never 'database is locked'")
    func simultaneousCheckpoints() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        let db = dir.appendingPathComponent("c.sqlite").path
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
        for round in 0..<6 {
            // Every process finds nothing to do and checkpoints at once; SQLite answers a second concurrent
            // checkpoint with SQLITE_BUSY immediately (no busy wait).
            var processes: [(Process, Pipe)] = []
            for _ in 0..<4 {
                let p = Process()
                p.executableURL = KVLabProcess.executable
                p.arguments = ["run", spec, "--db", db, "--quiet"]
                let err = Pipe()
                p.standardError = err
                p.standardOutput = FileHandle.nullDevice
                try p.run()
                processes.append((p, err))
            }
            let reader = try KVLabProcess.run(["agg", "--db", db, "--by", "scheme", "--metric", "kl"])
            #expect(reader.status == 0, "\(reader.stderr)")
            for (p, err) in processes {
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                #expect(p.terminationStatus == 0, "round \(round): \(stderr)")
                #expect(!stderr.contains("locked"), "round \(round): \(stderr)")
            }
        }
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
    }
}
