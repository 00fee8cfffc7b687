import Foundation
import KVLabTestSupport
import Sweeps
import Testing

/// A grid of 1,000,000 planned runs (the largest a spec may have): expansion and `kvlab run --dry-run`
/// stay within bounded time and memory.
@Suite("Reliability: huge grids", .serialized)
struct HugeGridTests {
    static func spec(seeds: Int) -> String { HugeGrid.spec(seeds: seeds, trials: 8) }

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

    /// Runs `kvlab run SPEC --dry-run` plus `extra` under /usr/bin/time on the huge grid.
    ///
    /// - Returns: its output and its maximum resident set size in KiB.
    static func dryRun(seeds: Int, _ extra: [String], in dir: URL) throws -> (result: KVLabProcess.Result, rss: Int?) {
        let spec = try Kvlab.writeSpec(Self.spec(seeds: seeds), in: dir)
        let db = dir.appendingPathComponent("huge.sqlite").path
        let r = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/time"),
            ["-f", "maxrss_kb=%M", KVLabProcess.executable.path, "run", spec, "--db", db, "--dry-run"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let rss = r.stderr.split(separator: "\n").first { $0.hasPrefix("maxrss_kb=") }.flatMap { Int($0.dropFirst(10)) }
        return (r, rss)
    }

    @Test("kvlab run --dry-run on 100,000 (or 1,000,000) planned runs: bounded time and memory, writes nothing")
    func dryRun() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seeds = Self.dryRunSeeds
        let start = Date()
        let (r, rss) = try Self.dryRun(seeds: seeds, [], in: dir)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.stdout.contains("runs\t\(seeds * HugeGrid.configCount)\n"), "\(r.stdout)")
        if let rss { #expect(rss < 2_000_000, "max RSS \(rss) KiB") }
        print("huge grid dry run: \(seeds * 10_000) runs in \(seconds) s, max RSS \(rss.map(String.init) ?? "?") KiB")
    }

    /// Before, a shard's slice listed and sorted every run of the plan with two text keys each: at 100,000
    /// runs the sharded dry run peaked about 70 MB above the unsharded one (at 1,000,000: 788 MB against
    /// 41 MB, and 94 s), now it computes the slice from the configs and seeds.
    @Test("kvlab run --shard 1/4 --dry-run never lists the whole plan: its memory stays near the unsharded dry run's")
    func shardedDryRun() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seeds = Self.dryRunSeeds
        let whole = try Self.dryRun(seeds: seeds, [], in: dir)
        let start = Date()
        let sharded = try Self.dryRun(seeds: seeds, ["--shard", "1/4"], in: dir)
        let seconds = Date().timeIntervalSince(start)
        #expect(
            sharded.result.stdout.contains("runs\t\(seeds * HugeGrid.configCount / 4)\n"), "\(sharded.result.stdout)")
        if let a = whole.rss, let b = sharded.rss {
            #expect(b < a + 30_000, "sharded max RSS \(b) KiB, unsharded \(a) KiB")
        }
        print(
            "huge grid sharded dry run: \(seeds * 2_500) runs of \(seeds * 10_000) in \(seconds) s, max RSS "
                + "\(sharded.rss.map(String.init) ?? "?") KiB (unsharded \(whole.rss.map(String.init) ?? "?") KiB)")
    }
}
