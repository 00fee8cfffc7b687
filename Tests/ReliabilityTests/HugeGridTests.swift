import Foundation
import KVLabTestSupport
import Sweeps
import Testing

/// A grid of 1,000,000 planned runs (the largest a spec may have): expansion and `kvlab run --dry-run`
/// stay within bounded time and memory.
@Suite("Reliability: huge grids", .serialized)
struct HugeGridTests {
    /// 2 schemes × 5 budgets × 5 laws × 2 mixings × 10 noises × 10 logit scales = 10,000 configs, × seeds.
    static func spec(seeds: Int) -> String {
        """
        name: huge
        seeds: \(seeds)
        trials: 8
        grid:
          scheme: [KQV, QKQV]
          bits: [2, 3, 4, 5, 6]
          distribution: [gaussian, t10, t5, t3, laplace]
          mixing: [dense, axis]
          noise: [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
          logit_scale: [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0]
        """
    }

    @Test("expanding 10,000 configs × 100 seeds = 1,000,000 runs in-process")
    func expansion() throws {
        let start = Date()
        let spec = try SweepSpec.parse(text: Self.spec(seeds: 100), source: "huge.yaml")
        let parsed = Date().timeIntervalSince(start)
        #expect(spec.configs.count == 10_000)
        #expect(spec.runCount == 1_000_000)
        let runs = spec.runs
        #expect(runs.count == 1_000_000)
        let expanded = Date().timeIntervalSince(start)
        // One seed more than the limit is refused with a located error, not planned.
        #expect(throws: SweepSpecError.self) { try SweepSpec.parse(text: Self.spec(seeds: 101), source: "huge.yaml") }
        print("huge grid in-process: parse + 10,000 configs \(parsed) s; 1,000,000 planned runs listed \(expanded) s")
    }

    /// Seeds of the dry-run test: 10 (100,000 runs) keeps a debug build fast; `KVLAB_HUGE_SEEDS=100` gives the
    /// full 1,000,000 (`scripts/soak` reports it on a release build).
    static var dryRunSeeds: Int {
        Int(ProcessInfo.processInfo.environment["KVLAB_HUGE_SEEDS"] ?? "") ?? 10
    }

    @Test("kvlab run --dry-run on 100,000 (or 1,000,000) planned runs: bounded time and memory, writes nothing")
    func dryRun() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seeds = Self.dryRunSeeds
        let spec = try Kvlab.writeSpec(Self.spec(seeds: seeds), in: dir)
        let db = dir.appendingPathComponent("huge.sqlite").path
        let start = Date()
        let r = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/time"),
            [
                "-f", "maxrss_kb=%M", KVLabProcess.executable.path, "run", spec,
                "--db", db, "--dry-run",
            ])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("runs\t\(seeds * 10_000)\n"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let rss = r.stderr.split(separator: "\n").first { $0.hasPrefix("maxrss_kb=") }.flatMap { Int($0.dropFirst(10)) }
        if let rss { #expect(rss < 2_000_000, "max RSS \(rss) KiB") }
        print("huge grid dry run: \(seeds * 10_000) runs in \(seconds) s, max RSS \(rss.map(String.init) ?? "?") KiB")
    }
}
