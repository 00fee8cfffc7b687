import Foundation

/// A ready-to-run Slurm submission for a sweep: an array job of shards, then a dependent merge job.
///
/// ``render()`` gives a bash script to run on a login node (`bash submit.sh`). It writes two job files into
/// ``directory`` (`task.sbatch`, `merge.sbatch`), submits the array job with `sbatch --parsable
/// --array=0-(N−1) --requeue`, whose task i runs `kvlab run SPEC --shard i/N --db DIR/kvlab-shard-i-of-N.sqlite
/// --jobs C` (one SQLite file per task: never share one over NFS), then the merge job with
/// `--dependency=afterok:<array job> --kill-on-invalid-dep=yes`, which runs `kvlab merge` on the exact shard
/// file names (no glob, so no `-wal`/`-shm` files) into `DIR/merged.sqlite` and then `kvlab claims check`.
/// Running the script again after a failure, a cancellation or a preemption resumes every shard: finished
/// runs are never recomputed (docs/architecture.md "Sweeps and resume").
///
/// Every value is single-quoted for the shell (``shellQuoted(_:)``) and the job files are written through
/// quoted here-documents, so paths with spaces, quotes or `$` are safe. Values must not contain control
/// characters (see ``init(kvlab:spec:sweepName:tasks:directory:cpusPerTask:partition:time:summary:)``).
public struct SlurmScript: Sendable, Equatable {
    /// The kvlab executable the jobs run (absolute path, or a name looked up on the job's PATH).
    public var kvlab: String
    /// The SPEC argument passed to `kvlab run`: an absolute spec file path or a shipped sweep name.
    public var spec: String
    /// The sweep's name (for job names and comments).
    public var sweepName: String
    /// The number of array tasks N ≥ 1 (shards 0/N…(N−1)/N).
    public var tasks: Int
    /// The absolute output directory: shard databases, merged database, job files and logs.
    public var directory: String
    /// CPUs per array task (`--cpus-per-task`, and `kvlab run --jobs`), ≥ 1.
    public var cpusPerTask: Int
    /// The Slurm partition (`--partition`), or nil for the cluster's default.
    public var partition: String?
    /// The time limit per job (`--time`, Slurm syntax such as `02:00:00` or `1-00:00:00`), or nil.
    public var time: String?
    /// A one-line description of the work for the header (e.g. `18 runs × 2 trials`), or nil.
    public var summary: String?
    /// The database each task copies the spec's datasets from (`kvlab run --datasets-from`), for a sweep
    /// over stored datasets; nil for synthetic sweeps.
    public var datasetsFrom: String?

    /// Creates a submission.
    ///
    /// - Parameters:
    ///   - kvlab: the kvlab executable the jobs run.
    ///   - spec: the SPEC argument for `kvlab run` (an absolute path or a shipped name).
    ///   - sweepName: the sweep's name.
    ///   - tasks: N ≥ 1.
    ///   - directory: the absolute output directory.
    ///   - cpusPerTask: CPUs per task, ≥ 1.
    ///   - partition: `--partition`, letters, digits, `_`, `.`, `-` and `,` only; nil for the default.
    ///   - time: `--time`, digits, `:` and `-`, or `UNLIMITED`/`INFINITE`; nil for the partition's default.
    ///   - summary: a one-line description for the header.
    ///   - datasetsFrom: the absolute path of the database holding the spec's datasets, if it reads any.
    /// - Throws: ``SlurmScriptError`` for a value out of range or with characters the script cannot carry.
    public init(
        kvlab: String, spec: String, sweepName: String, tasks: Int, directory: String, cpusPerTask: Int = 1,
        partition: String? = nil, time: String? = nil, summary: String? = nil, datasetsFrom: String? = nil
    ) throws(SlurmScriptError) {
        guard tasks >= 1 else { throw SlurmScriptError("--tasks: \(tasks) must be ≥ 1") }
        guard tasks <= Shard.maxCount else { throw SlurmScriptError("--tasks: \(tasks) must be ≤ \(Shard.maxCount)") }
        guard cpusPerTask >= 1 else { throw SlurmScriptError("--cpus-per-task: \(cpusPerTask) must be ≥ 1") }
        var values = [("--kvlab", kvlab), ("SPEC", spec), ("--out", directory), ("sweep name", sweepName)]
        if let datasetsFrom {
            guard datasetsFrom.hasPrefix("/") else {
                throw SlurmScriptError("--datasets-from: \(datasetsFrom) must be absolute")
            }
            values.append(("--datasets-from", datasetsFrom))
        }
        for (name, value) in values {
            guard !value.isEmpty else { throw SlurmScriptError("\(name) must not be empty") }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw SlurmScriptError("\(name) \(String(reflecting: value)) contains a control character")
            }
        }
        guard directory.hasPrefix("/") else { throw SlurmScriptError("--out: \(directory) must be absolute") }
        if let partition {
            let allowed = partition.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.,-".contains($0)) }
            guard !partition.isEmpty, allowed else {
                throw SlurmScriptError("--partition: \(String(reflecting: partition)) is not a partition name")
            }
        }
        if let time {
            let upper = time.uppercased()
            let allowed = time.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }
            guard (allowed && time.first?.isNumber == true) || upper == "UNLIMITED" || upper == "INFINITE"
            else {
                throw SlurmScriptError(
                    "--time: \(String(reflecting: time)) is not a Slurm time (e.g. 90, 02:00:00, 1-12:00:00)")
            }
        }
        if let summary, summary.contains(where: \.isNewline) {
            throw SlurmScriptError("summary must be one line")
        }
        self.kvlab = kvlab
        self.spec = spec
        self.sweepName = sweepName
        self.tasks = tasks
        self.directory = directory
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.time = time
        self.summary = summary
        self.datasetsFrom = datasetsFrom
    }

    /// The shard database file names in ``directory``, one per task: `kvlab-shard-i-of-N.sqlite`.
    public var shardFileNames: [String] {
        (0..<tasks).map { "kvlab-shard-\($0)-of-\(tasks).sqlite" }
    }

    /// The merged database's file name in ``directory``.
    public static let mergedFileName = "merged.sqlite"

    /// `text` as one single-quoted shell word (`'` becomes `'\''`); safe for any text without NUL.
    ///
    /// - Parameter text: any text.
    /// - Returns: the quoted word.
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The submit script (bash), with a comment header explaining how to submit, watch, resume and merge.
    ///
    /// - Returns: the script text, ending in a newline.
    public func render() -> String {
        let q = Self.shellQuoted
        let n = tasks
        let last = n - 1
        let jobName = "kvlab-\(sweepName)"
        var limits = ""
        if let partition { limits += " --partition=\(q(partition))" }
        if let time { limits += " --time=\(q(time))" }
        let shard0 = directory + "/" + shardFileNames[0]
        let merged = directory + "/" + Self.mergedFileName
        let work = summary.map { ": \($0)" } ?? ""
        return """
            #!/bin/bash
            # kvlab sweep \(q(sweepName)) on Slurm\(work), in \(n) array task\(n == 1 ? "" : "s") then one merge job.
            #
            # Submit from a login node (needs sbatch; writes the job files, submits both jobs, prints their ids):
            #     bash submit.sh                 (this file, saved as submit.sh)
            # Array job (--array=0-\(last), --requeue): task i runs
            #     kvlab run SPEC --shard i/\(n) --db DIR/kvlab-shard-i-of-\(n).sqlite --jobs \(cpusPerTask)\(datasetsFrom == nil ? "" : " --datasets-from DB")
            #   Each task writes its own SQLite file: never share one database over NFS (locking is unsafe there).
            # Merge job (--dependency=afterok:<array job>): merges the \(n) shard files (exact names) into
            #   DIR/\(Self.mergedFileName), then runs `kvlab claims check` on it; its exit status is the check's
            #   (0 all pass, 1 refuted, 4 inconclusive).
            # Watch:   squeue --me    and    kvlab status --db \(q(shard0))
            # Logs:    DIR/logs/task-<job>_<i>.out, DIR/logs/merge-<job>.out
            # Resume:  tasks are requeue-safe: a requeued or resubmitted task continues where it stopped, finished
            #   runs are never recomputed. If a task failed or was cancelled, the merge job is dropped
            #   (--kill-on-invalid-dep=yes): run this script again once no job of it is left in squeue.
            # Result:  \(merged)
            set -euo pipefail

            kvlab=\(q(kvlab))
            spec=\(q(spec))
            dir=\(q(directory))

            mkdir -p -- "$dir/logs"
            # Refuse to start a second copy while jobs of an earlier submission are queued or running.
            if [[ -s $dir/jobs ]]; then
                read -r old_array old_merge _ <"$dir/jobs" || true
                for job in $old_array $old_merge; do
                    if [[ -n $(squeue -h -o %i -j "$job" 2>/dev/null) ]]; then
                        echo "submit: job $job of an earlier submission is still queued or running;" \\
                            "wait for it (squeue --me) or scancel it, then run this again" >&2
                        exit 1
                    fi
                done
            fi

            cat >"$dir/task.sbatch" <<'KVLAB_TASK'
            #!/bin/bash
            # One array task: shard $SLURM_ARRAY_TASK_ID of \(n), into its own database (resumes where it stopped).
            set -euo pipefail
            # On scancel, requeue or preemption Slurm sends SIGTERM to kvlab too: wait for it to stop cleanly.
            trap 'exit 143' TERM
            kvlab=\(q(kvlab))
            spec=\(q(spec))
            dir=\(q(directory))
            i=${SLURM_ARRAY_TASK_ID:?not a Slurm array task}
            db="$dir/kvlab-shard-$i-of-\(n).sqlite"
            while true; do
                "$kvlab" run "$spec" --shard "$i/\(n)" --db "$db" --jobs \(cpusPerTask)\(datasetsFrom.map { " --datasets-from \(q($0))" } ?? "")
                # A run leased by a process lost with its node is reclaimed only when the lease expires (2 min);
                # until then `kvlab run` finds nothing to claim and ends. Finish when no run is left to compute.
                left=$("$kvlab" sql --db "$db" --format csv \\
                    "SELECT count(*) AS n FROM runs WHERE state IN ('pending', 'running')" | tail -n 1)
                [[ $left == 0 ]] && break
                echo "kvlab: $left runs of shard $i/\(n) are leased by a lost process; retrying in 30 s" >&2
                sleep 30
            done
            KVLAB_TASK

            cat >"$dir/merge.sbatch" <<'KVLAB_MERGE'
            #!/bin/bash
            # Merge the \(n) shard databases (exact names: never the -wal/-shm files), then check the claims.
            set -euo pipefail
            kvlab=\(q(kvlab))
            dir=\(q(directory))
            shards=()
            for ((i = 0; i < \(n); i++)); do shards+=("$dir/kvlab-shard-$i-of-\(n).sqlite"); done
            "$kvlab" merge --into "$dir/\(Self.mergedFileName)" "${shards[@]}"
            exec "$kvlab" claims check --db "$dir/\(Self.mergedFileName)"
            KVLAB_MERGE

            array_job=$(sbatch --parsable --job-name=\(q(jobName)) --array=0-\(last) --requeue --open-mode=append \\
                --cpus-per-task=\(cpusPerTask)\(limits) \\
                --chdir="$dir" --output='logs/task-%A_%a.out' "$dir/task.sbatch")
            array_job=${array_job%%;*}
            merge_job=$(sbatch --parsable --job-name=\(q(jobName + "-merge")) \\
                --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \\
                --cpus-per-task=1\(limits) --chdir="$dir" --output='logs/merge-%j.out' "$dir/merge.sbatch")
            merge_job=${merge_job%%;*}
            echo "$array_job $merge_job" >"$dir/jobs"
            echo "submitted array job $array_job (\(n) task\(n == 1 ? "" : "s")) and merge job $merge_job" \\
                "(after every task succeeds) into $dir"

            """
    }
}
