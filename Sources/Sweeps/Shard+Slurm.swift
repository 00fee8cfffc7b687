import Foundation

extension Shard {
    /// The shard of a Slurm array task, from its environment (docs/architecture.md "Sweeps and resume").
    ///
    /// I = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP (step 1 when unset) and
    /// N = SLURM_ARRAY_TASK_COUNT, so `sbatch --array=0-3`, `--array=1-4` and `--array=0-6:2` each give
    /// shards 0/4…3/4. Irregular arrays (`--array=1,5,7`) are rejected: use `--shard` instead.
    ///
    /// - Parameter environment: the process environment (pass `ProcessInfo.processInfo.environment`).
    /// - Returns: the shard, or nil when SLURM_ARRAY_TASK_ID is not set (not an array task).
    /// - Throws: ``ShardError`` when the variables are missing, not integers or inconsistent.
    public static func fromSlurm(environment: [String: String]) throws(ShardError) -> Shard? {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return nil }
        func value(_ name: String, _ text: String?) throws(ShardError) -> Int {
            guard let text else {
                throw ShardError(message: "SLURM_ARRAY_TASK_ID is set but \(name) is not; use --shard I/N instead")
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(trimmed)
            else {
                throw ShardError(message: "\(name)=\(String(reflecting: text)) is not a non-negative integer")
            }
            return number
        }
        let id = try value("SLURM_ARRAY_TASK_ID", idText)
        let min = try value("SLURM_ARRAY_TASK_MIN", environment["SLURM_ARRAY_TASK_MIN"])
        let count = try value("SLURM_ARRAY_TASK_COUNT", environment["SLURM_ARRAY_TASK_COUNT"])
        let step =
            try environment["SLURM_ARRAY_TASK_STEP"].map { (text) throws(ShardError) in
                try value("SLURM_ARRAY_TASK_STEP", text)
            } ?? 1
        guard step >= 1, id >= min, (id - min) % step == 0, (id - min) / step < count else {
            throw ShardError(
                message: "SLURM_ARRAY_TASK_ID=\(id) does not fit a regular array (min \(min), step \(step), "
                    + "count \(count)); use --array=0-(N-1) or --shard I/N")
        }
        return try Shard(index: (id - min) / step, count: count)
    }
}
