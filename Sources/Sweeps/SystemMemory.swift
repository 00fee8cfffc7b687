import Foundation

/// The memory a kvlab process may use: the machine's physical memory, or the limit of the control group it
/// runs in (a Slurm job's `--mem`, a container's limit) when that is lower.
public enum SystemMemory {
    /// The limit in bytes, or nil when it cannot be found.
    public static func limit() -> Double? {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        let limits = [physical > 0 ? physical : nil, controlGroupLimit()].compactMap { $0 }
        return limits.min()
    }

    /// The cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`) limit of this process, if any.
    static func controlGroupLimit() -> Double? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                value > 0, value < 1e18  // "max" and v1's "no limit" (about 2^63) parse to nothing or huge
            else { continue }
            return value
        }
        return nil
    }
}
