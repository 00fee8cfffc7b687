import ArgumentParser
import ExperimentStore

/// `--format table|csv|tsv|json|ndjson|markdown` of the tabular commands.
extension TableFormat: ExpressibleByArgument {}
