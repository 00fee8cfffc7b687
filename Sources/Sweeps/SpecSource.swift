import Foundation

/// A sweep spec named on the command line (`kvlab run SPEC`), loaded from a file or a shipped name, with
/// its text (stored with the sweep to detect a changed spec).
public struct SpecSource: Sendable {
    /// The parsed and expanded spec.
    public var spec: SweepSpec
    /// The spec's text as read (empty if a file could not be read back as UTF-8 after parsing).
    public var text: String

    /// A loaded spec.
    public init(spec: SweepSpec, text: String) {
        self.spec = spec
        self.text = text
    }

    /// Loads SPEC: an existing file, else a shipped sweep name (`paper`, or `paper.yaml` without a
    /// directory). A path with a directory, or a name with a YAML/JSON extension that is not a shipped
    /// name, must be a file: a missing one is an error, never silently a shipped sweep.
    ///
    /// - Parameters:
    ///   - argument: a file path or a shipped sweep name.
    ///   - datasets: the datasets a `source` in the spec may name.
    /// - Throws: ``SweepSpecError`` for a file that cannot be read or is not a valid spec;
    ///   ``SpecSourceError`` when there is neither such a file nor such a shipped sweep.
    public static func load(_ argument: String, datasets: DatasetCatalog = .empty) throws -> SpecSource {
        if FileManager.default.fileExists(atPath: argument) {
            let spec = try SweepSpec.load(path: argument, datasets: datasets)
            let text = (try? String(contentsOfFile: argument, encoding: .utf8)) ?? ""
            return SpecSource(spec: spec, text: text)
        }
        let name = argument.hasSuffix(".yaml") ? String(argument.dropLast(5)) : argument
        if !argument.contains("/"), let text = SweepSpec.shippedText(named: name) {
            return SpecSource(
                spec: try SweepSpec.shipped(named: name, datasets: datasets), text: text)
        }
        if argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml")
            || argument.hasSuffix(".json")
        {
            throw SpecSourceError.missingFile(argument)
        }
        throw SpecSourceError.unknownName(argument)
    }
}
