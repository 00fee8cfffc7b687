import Foundation
import KVLabTestSupport
import Testing

/// `kvlab slurm-script` end to end: the printed script, and exit 2 on bad input.
@Suite("kvlab slurm-script end to end")
struct SlurmScriptCommandTests {
    @Test("prints a submit script with absolute paths: this kvlab, the spec file, the output directory")
    func prints() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = "name: tiny\nseeds: 2\ntrials: 1\nfixed: {dim: 16, tokens: 32, queries: 4}\ngrid: {bits: [2, 3]}\n"
        try spec.write(to: dir.appendingPathComponent("tiny spec.yaml"), atomically: true, encoding: .utf8)
        let r = try KVLabProcess.run(["slurm-script", "tiny spec.yaml", "--tasks", "4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let base = dir.resolvingSymlinksInPath().path
        #expect(r.stdout.hasPrefix("#!/bin/bash\n"))
        #expect(r.stdout.contains("4 runs × 1 trials"))
        #expect(r.stdout.contains("--array=0-3 "))
        #expect(
            r.stdout.contains("spec='\(base)/tiny spec.yaml'") || r.stdout.contains("spec='\(dir.path)/tiny spec.yaml'")
        )
        #expect(r.stdout.contains("/kvlab-tiny'"), "default --out is ./kvlab-NAME")
        #expect(r.stdout.contains("kvlab='\(KVLabProcess.executable.resolvingSymlinksInPath().path)'"))

        let shipped = try KVLabProcess.run(
            ["slurm-script", "smoke", "--tasks", "18", "--out", "/scratch/x", "--kvlab", "kvlab", "--time", "10"],
            in: dir)
        #expect(shipped.status == 0, "\(shipped.stderr)")
        #expect(shipped.stdout.contains("spec='smoke'"))
        #expect(shipped.stdout.contains("kvlab='kvlab'"))
        #expect(shipped.stdout.contains("dir='/scratch/x'"))
        #expect(shipped.stdout.contains("--array=0-17 "))
    }

    @Test(
        "bad input exits 2 with a message and prints no script",
        arguments: [
            (["smoke", "--tasks", "0"], "--tasks"),
            (["smoke", "--tasks", "-1"], "--tasks"),
            (["smoke", "--tasks", "19"], "more than the 18 runs"),
            (["smoke"], "--tasks"),
            (["no-such-sweep", "--tasks", "2"], "no sweep spec"),
            (["smoke", "--tasks", "2", "--time", "2 hours"], "--time"),
            (["smoke", "--tasks", "2", "--partition", "a;b"], "--partition"),
            (["smoke", "--tasks", "2", "--cpus-per-task", "0"], "--cpus-per-task"),
            (["smoke", "--tasks", "2", "--out", "bad\ndir"], "control character"),
        ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try KVLabProcess.run(["slurm-script"] + arguments, in: dir)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("a spec file that does not parse exits 2")
    func badSpec() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: broken\nseeds: two\n".write(
            to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let r = try KVLabProcess.run(["slurm-script", "broken.yaml", "--tasks", "2"], in: dir)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
