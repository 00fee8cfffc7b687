import ArgumentParser

/// The `kvlab` root command.
public struct KVLab: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kvlab",
        abstract: "A persistent experiment database for KV-cache quantization research (arXiv 2605.08114).",
        version: VersionInfo.versionString,
        subcommands: [CodebookCommand.self, TrialCommand.self]
    )

    public init() {}
}
