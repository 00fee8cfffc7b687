import Foundation
import Sweeps
import Testing

/// The generated Slurm submit script: its text, and its behaviour under bash with stub `sbatch`/`squeue`/`kvlab`.
@Suite("kvlab slurm-script: the generated submit script")
struct SlurmScriptTests {
    static func script(
        tasks: Int = 3, directory: String = "/scratch/out", kvlab: String = "/opt/kvlab/bin/kvlab",
        spec: String = "smoke", cpus: Int = 1, partition: String? = nil, time: String? = nil
    ) throws(SlurmScriptError) -> SlurmScript {
        try SlurmScript(
            kvlab: kvlab, spec: spec, sweepName: "smoke", tasks: tasks, directory: directory, cpusPerTask: cpus,
            partition: partition, time: time, summary: "18 runs × 2 trials")
    }

    @Test("array range, per-task databases, requeue, the dependent merge job on exact file names, claims check")
    func structure() throws {
        let text = try Self.script(tasks: 3, cpus: 4, partition: "gpu", time: "02:00:00").render()
        #expect(text.hasPrefix("#!/bin/bash\n"))
        #expect(text.contains("--array=0-2 --requeue"))
        #expect(text.contains("--cpus-per-task=4 --partition='gpu' --time='02:00:00'"))
        #expect(text.contains(#"db="$dir/kvlab-shard-$i-of-3.sqlite""#))
        #expect(text.contains(#""$kvlab" run "$spec" --shard "$i/3" --db "$db" --jobs 4"#))
        #expect(text.contains("trap 'exit 143' TERM"))
        #expect(text.contains("--jobs 4"))
        #expect(text.contains(#"--dependency="afterok:$array_job" --kill-on-invalid-dep=yes"#))
        #expect(text.contains(#"for ((i = 0; i < 3; i++)); do shards+=("$dir/kvlab-shard-$i-of-3.sqlite"); done"#))
        #expect(text.contains(#""$kvlab" merge --into "$dir/merged.sqlite" "${shards[@]}""#))
        #expect(text.contains(#"exec "$kvlab" claims check --db "$dir/merged.sqlite""#))
        #expect(!text.contains("shard-*"), "no glob: it would match the -wal/-shm files")
        #expect(text.contains("dir='/scratch/out'"))
        #expect(text.contains("kvlab='/opt/kvlab/bin/kvlab'"))
        #expect(try Self.script(tasks: 3).shardFileNames == (0..<3).map { "kvlab-shard-\($0)-of-3.sqlite" })
        let one = try Self.script(tasks: 1).render()
        #expect(one.contains("--array=0-0 "))
        #expect(one.contains(#"--shard "$i/1""#))
        #expect(!one.contains("--partition") && !one.contains("--time"))
        let many = try Self.script(tasks: 250).render()
        #expect(many.contains("--array=0-249 "))
        #expect(many.contains("i < 250;"))
    }

    @Test("single quotes survive bash for spaces, quotes, $, backslashes, globs and non-ASCII")
    func quoting() throws {
        let words = [
            "plain", "with space", "it's", #"a "b" c"#, "$HOME `x` $(y)", #"back\slash"#, "*?[a]", "π ∞", "",
        ]
        for word in words {
            let quoted = SlurmScript.shellQuoted(word)
            let result = try Self.bash("printf '%s' \(quoted)")
            #expect(result.output == word, "\(quoted)")
        }
    }

    @Test("run under bash with stubs: paths with spaces and quotes reach sbatch and kvlab as single arguments")
    func executesWithStubs() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("stub bin")
        let out = root.appendingPathComponent(#"out dir/it's "quoted" $HOME"#)
        let spec = root.appendingPathComponent("my spec's.yaml")
        let log = root.appendingPathComponent("calls.log")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        // Each stub logs its name and arguments, one per line, to calls.log.
        let record = #"{ echo "== $(basename "$0")"; for a in "$@"; do echo "$a"; done; } >>"$CALLS""#
        let stubs = [
            "sbatch": record + "\nn=$(cat \"$CALLS.n\" 2>/dev/null || echo 100); echo $((n + 1)) >\"$CALLS.n\"; "
                + "echo \"$n;cluster\"",
            "squeue": record + "\n[[ -n ${QUEUED:-} ]] && echo \"$QUEUED\"; exit 0",
            "fake kvlab": record + "\n[[ $1 == sql ]] && printf 'n\\n0\\n'; exit 0",
        ]
        for (name, body) in stubs {
            let url = bin.appendingPathComponent(name)
            try ("#!/bin/bash\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        let script = try SlurmScript(
            kvlab: bin.appendingPathComponent("fake kvlab").path, spec: spec.path, sweepName: "smoke", tasks: 3,
            directory: out.path, cpusPerTask: 2, partition: "debug", time: "10")
        let submit = root.appendingPathComponent("submit.sh")
        try script.render().write(to: submit, atomically: true, encoding: .utf8)
        let env = ["PATH": bin.path + ":/usr/bin:/bin", "CALLS": log.path]

        let first = try Self.bash("bash \(SlurmScript.shellQuoted(submit.path))", environment: env)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("submitted array job 100 (3 tasks) and merge job 101"))
        #expect(try String(contentsOf: out.appendingPathComponent("jobs"), encoding: .utf8) == "100 101\n")
        let calls = try String(contentsOf: log, encoding: .utf8)
        let sbatch = calls.components(separatedBy: "== sbatch\n").dropFirst().map {
            $0.components(separatedBy: "== ").first!.split(separator: "\n").map(String.init)
        }
        #expect(sbatch.count == 2)
        #expect(
            sbatch.first == [
                "--parsable", "--job-name=kvlab-smoke", "--array=0-2", "--requeue", "--open-mode=append",
                "--cpus-per-task=2", "--partition=debug", "--time=10", "--chdir=\(out.path)",
                "--output=logs/task-%A_%a.out", out.appendingPathComponent("task.sbatch").path,
            ])
        #expect(
            sbatch.last == [
                "--parsable", "--job-name=kvlab-smoke-merge", "--dependency=afterok:100", "--kill-on-invalid-dep=yes",
                "--cpus-per-task=1", "--partition=debug", "--time=10", "--chdir=\(out.path)",
                "--output=logs/merge-%j.out", out.appendingPathComponent("merge.sbatch").path,
            ])

        // A second submission while a job of the first is still queued is refused.
        var queued = env
        queued["QUEUED"] = "101"
        let again = try Self.bash("bash \(SlurmScript.shellQuoted(submit.path))", environment: queued)
        #expect(again.status == 1)
        #expect(again.output.contains("job 100 of an earlier submission is still queued or running"))

        // The job files, run as Slurm would, call kvlab with exact arguments.
        try FileManager.default.removeItem(at: log)
        var task = env
        task["SLURM_ARRAY_TASK_ID"] = "1"
        let taskFile = SlurmScript.shellQuoted(out.appendingPathComponent("task.sbatch").path)
        #expect(try Self.bash("bash \(taskFile)", environment: task).status == 0)
        let mergeFile = SlurmScript.shellQuoted(out.appendingPathComponent("merge.sbatch").path)
        #expect(try Self.bash("bash \(mergeFile)", environment: env).status == 0)
        let shard = { (i: Int) in out.appendingPathComponent("kvlab-shard-\(i)-of-3.sqlite").path }
        let merged = out.appendingPathComponent("merged.sqlite").path
        let expected =
            ["== fake kvlab", "run", spec.path, "--shard", "1/3", "--db", shard(1), "--jobs", "2"]
            + ["== fake kvlab", "sql", "--db", shard(1), "--format", "csv", Self.leftQuery]
            + ["== fake kvlab", "merge", "--into", merged, shard(0), shard(1), shard(2)]
            + ["== fake kvlab", "claims", "check", "--db", merged]
        #expect(try String(contentsOf: log, encoding: .utf8) == expected.joined(separator: "\n") + "\n")
        let noTask = try Self.bash("bash \(taskFile)", environment: env)
        #expect(noTask.status != 0 && noTask.output.contains("not a Slurm array task"))
    }

    @Test("bad inputs are refused with a message")
    func validation() {
        func message(_ make: () throws -> SlurmScript) -> String? {
            do {
                _ = try make()
                return nil
            } catch let error as SlurmScriptError {
                return error.message
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(message { try Self.script(tasks: 0) }?.contains("--tasks") == true)
        #expect(message { try Self.script(tasks: -3) }?.contains("--tasks") == true)
        #expect(message { try Self.script(cpus: 0) }?.contains("--cpus-per-task") == true)
        #expect(message { try Self.script(directory: "relative/dir") }?.contains("absolute") == true)
        #expect(message { try Self.script(directory: "/a\nKVLAB_TASK\n") }?.contains("control") == true)
        #expect(message { try Self.script(kvlab: "") }?.contains("empty") == true)
        #expect(message { try Self.script(partition: "a b") }?.contains("--partition") == true)
        #expect(message { try Self.script(partition: "gpu;rm") }?.contains("--partition") == true)
        #expect(message { try Self.script(time: "2h") }?.contains("--time") == true)
        #expect(message { try Self.script(time: "-1") }?.contains("--time") == true)
        #expect(message { try Self.script(time: "1-12:00:00") } == nil)
        #expect(message { try Self.script(time: "unlimited") } == nil)
        #expect(message { try Self.script(partition: "gpu,cpu_long") } == nil)
        #expect(message { try Self.script(directory: #"/x y/'z' "w" $v"#) } == nil)
    }

    /// The query a task runs after `kvlab run` to see whether runs are left.
    static let leftQuery = "SELECT count(*) AS n FROM runs WHERE state IN ('pending', 'running')"

    /// Runs a bash command line; output is stdout and stderr together.
    static func bash(_ command: String, environment: [String: String]? = nil) throws -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
