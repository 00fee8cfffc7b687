import ArgumentParser
import ExperimentStore

/// `--digits N|full`: how tables and Markdown print doubles (every command that prints tables has it).
struct DigitsOptions: ParsableArguments {
    /// The digits; default 4 significant.
    @Option(
        help: ArgumentHelp(
            "Significant digits of numbers in table and markdown output (1…17, or full); csv, tsv, json and ndjson "
                + "always print them in full.",
            valueName: "N|full"))
    var digits: NumberDigits = .standard
}

extension NumberDigits: ExpressibleByArgument {
    /// Parses `full` or 1…17.
    public init?(argument: String) { self.init(argument) }

    /// `4` or `full`, as in `--help`.
    public var defaultValueDescription: String {
        switch self {
        case .full: return "full"
        case .significant(let n): return String(n)
        }
    }

    /// The values `--digits` completes to.
    public static var allValueStrings: [String] { ["full"] + (1...maxSignificant).map(String.init) }
}
