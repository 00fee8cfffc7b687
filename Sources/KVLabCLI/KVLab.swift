import ArgumentParser
import Foundation

/// The `kvlab` root command.
public struct KVLab: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kvlab",
        abstract: "A persistent experiment database for KV-cache quantization research (arXiv 2605.08114).",
        discussion: "Example: kvlab run smoke && kvlab agg --by scheme,bits --metric kl",
        version: VersionInfo.versionString,
        subcommands: [
            CodebookCommand.self,
            TrialCommand.self,
            RunCommand.self,
            ReproduceCommand.self,
            StatusCommand.self,
            RetryCommand.self,
            SweepsCommand.self,
            MergeCommand.self,
            DatasetCommand.self,
            CaptureCommand.self,
            SlurmScriptCommand.self,
            SQLCommand.self,
            AggCommand.self,
            ExportCommand.self,
            ClaimsCommand.self,
            CompareCommand.self,
            ReportCommand.self,
            BenchCommand.self,
            VerifyCommand.self,
            SwitchesCommand.self,
            MetricsCommand.self,
            ModelCommand.self,
            TextCommand.self,
        ]
    )

    public init() {}

    /// Parses the command line and runs the command; usage errors exit 2 (docs/architecture.md), not 64.
    public static func runMain() async {
        // A full file (ulimit -f) must be an I/O error (exit 3) from the start, not only once a command has
        // installed its SignalWatcher: migrations and planning write before that.
        signal(SIGXFSZ, SIG_IGN)
        keepFreedMemory()
        if let problem = selectKernelPath(ProcessInfo.processInfo.environment["KVLAB_KERNELS"]) {
            FileOutput.standardError.write("kvlab: error: \(problem)\n")
            Self.exit(withError: ExitCode(ExitStatus.badInput.rawValue))
        }
        do {
            var command = try parseAsRoot(Self.normalized(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            if !flushStandardOutput() { Self.exit(withError: ExitCode(ExitStatus.failure.rawValue)) }
        } catch {
            // A failed write of data (exit 3) outranks only a clean result or a claim verdict (2 > 3 > 1 > 4 > 0).
            let ranked = ExitStatus(rawValue: exitCode(for: error).rawValue)
            if !flushStandardOutput(), ranked.map({ $0 < .failure }) ?? true {
                Self.exit(withError: ExitCode(ExitStatus.failure.rawValue))
            }
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileOutput.standardError.write(fullMessage(for: error) + "\n")
                Self.exit(withError: ExitCode(ExitStatus.badInput.rawValue))
            }
            Self.exit(withError: error)
        }
    }

    /// Arguments as ArgumentParser should see them: a negative number after an option becomes the option's
    /// value (`--jobs -1` → `--jobs=-1`, so validation can say "must be ≥ 1" instead of "missing value"), and
    /// an argument that starts with `-` but holds whitespace (SQL beginning with a `--` comment) is passed
    /// after `--` as a positional argument.
    static func normalized(_ arguments: [String]) -> [String] {
        guard !arguments.contains("--") else { return arguments }
        var out: [String] = []
        var positional: [String] = []
        for argument in arguments {
            if argument.hasPrefix("-"), argument.contains(where: \.isWhitespace) {
                positional.append(argument)
            } else if argument.wholeMatch(of: /-[0-9][0-9.eE+-]*/) != nil, let last = out.last, last.hasPrefix("--"),
                !last.contains("=")
            {
                out[out.count - 1] = last + "=" + argument
            } else {
                out.append(argument)
            }
        }
        return positional.isEmpty ? out : out + ["--"] + positional
    }

    /// Flushes stdout and reports whether every byte of data reached it: a full disk or a closed file makes
    /// the command fail (exit 3) instead of exiting 0 with its output cut short.
    ///
    /// - Returns: false after printing the error on stderr.
    static func flushStandardOutput() -> Bool {
        // Swift 6 does not let code name C's global `stdout` (shared mutable state): read the same pointer
        // through the dynamic linker. ferror catches a write that failed earlier, inside a long print.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout"),
            let stream = symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
        else { return fflush(nil) == 0 }
        if fflush(stream) == 0, ferror(stream) == 0 { return true }
        let reason = String(cString: strerror(errno))
        FileOutput.standardError.write("kvlab: error: cannot write the output (stdout): \(reason)\n")
        return false
    }

    /// The engine allocates and frees blocks of about 1 MB per step (a trial's K̂, V̂, logits, …). With
    /// glibc's defaults such blocks go back to the kernel when freed (mmap, or trimming of the heap top),
    /// so every trial page-faulted and zeroed them again: about 10% of a standard trial. Keep freed memory
    /// for reuse instead (measured: the same peak resident memory, ~100 MB for `kvlab run paper` with two
    /// workers, with and without).
    ///
    /// - Returns: whether both options were set (false where glibc's mallopt is not available).
    @discardableResult
    static func keepFreedMemory() -> Bool {
        #if os(Linux)
            // mallopt is declared in <malloc.h>, which Swift's Glibc module does not import; the option
            // numbers are glibc's stable ABI (M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3).
            typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
            let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
            let mmap = mallopt(-3, 256 << 20)
            let trim = mallopt(-1, 1 << 30)
            return mmap == 1 && trim == 1
        #else
            return false
        #endif
    }
}
