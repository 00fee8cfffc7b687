import ArgumentParser
import Claims
import ExperimentStore
import Foundation
import Quantization
import Sweeps

/// Shell completion (`kvlab --generate-completion-script bash|zsh|fish`) of kvlab's names: metrics and
/// switches (also inside comma-separated lists), schemes, shipped claims and sweep specs, and the sweeps and
/// datasets of the database named by `--db` (else `$KVLAB_DB`, else `kvlab.sqlite`), read when completing.
/// A completion never fails loudly: a missing or unreadable database completes to nothing.
enum Completions {
    /// Metric names; after a comma, the next metric of a list (`--metric kl,k_a` → `kl,k_angle`).
    static let metrics = CompletionKind.custom { _, _, prefix in
        listItems(Metric.allCases.map(\.rawValue), prefix: prefix)
    }

    /// Switch names for `--by`, also inside a comma-separated list.
    static let switches = CompletionKind.custom { _, _, prefix in listItems(SwitchName.dimensions, prefix: prefix) }

    /// The shipped scheme names.
    static let schemes = CompletionKind.list(Scheme.shipped.map(\.name))

    /// The sweeps of the database.
    static let sweeps = CompletionKind.custom { words, _, prefix in
        matching(names(sql: "SELECT name FROM sweeps ORDER BY name", database: databasePath(words)), prefix)
    }

    /// The datasets of the database.
    static let datasets = CompletionKind.custom { words, _, prefix in
        matching(names(sql: "SELECT name FROM datasets ORDER BY name", database: databasePath(words)), prefix)
    }

    /// Shipped claim names, then `.sql` files and directories.
    static let claims = CompletionKind.custom { _, _, prefix in
        matching(shippedClaimNames, prefix) + files(prefix, extensions: ["sql"])
    }

    /// Shipped sweep names, then `.yaml`, `.yml` and `.json` files and directories.
    static let specs = CompletionKind.custom { _, _, prefix in
        matching(SweepSpec.shippedNames, prefix) + files(prefix, extensions: ["yaml", "yml", "json"])
    }

    /// The shipped claims' names (file names without `.sql`).
    static var shippedClaimNames: [String] {
        ShippedClaims.files.map { String($0.name.dropLast(".sql".count)) }
    }

    /// The candidates that start with `prefix`.
    static func matching(_ candidates: [String], _ prefix: String) -> [String] {
        candidates.filter { $0.hasPrefix(prefix) }
    }

    /// Completions of the last item of a comma-separated list: each candidate that starts with it and is not
    /// already listed, after the items before it.
    static func listItems(_ candidates: [String], prefix: String) -> [String] {
        let parts = prefix.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let done = parts.dropLast()
        let head = done.isEmpty ? "" : done.joined(separator: ",") + ","
        let last = parts.last ?? ""
        return candidates.filter { $0.hasPrefix(last) && !done.contains($0) }.map { head + $0 }
    }

    /// The database a command line names: the value of `--db` (or `--db=…`), else `$KVLAB_DB`, else
    /// `kvlab.sqlite`.
    static func databasePath(_ words: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        var path: String?
        for (index, word) in words.enumerated() {
            if word == "--db", index + 1 < words.count {
                path = words[index + 1]
            } else if word.hasPrefix("--db=") {
                path = String(word.dropFirst("--db=".count))
            }
        }
        if let path {
            let quotes: Set<Character> = ["'", "\""]
            if path.count >= 2, let first = path.first, quotes.contains(first), path.last == first {
                return String(path.dropFirst().dropLast())
            }
            return path
        }
        if let env = environment["KVLAB_DB"], !env.isEmpty { return env }
        return "kvlab.sqlite"
    }

    /// The first column of a query on an existing database, opened read-only; empty when there is no such
    /// file or it cannot be read (never an error, never a new file).
    static func names(sql: String, database path: String) -> [String] {
        guard FileManager.default.fileExists(atPath: path),
            let store = try? Store(path: path, mode: .readOnly),
            let result = try? store.execute(sql: sql)
        else { return [] }
        try? store.close()
        return result.rows.compactMap { $0.first.flatMap(TableOutput.text) }
    }

    /// Files with one of `extensions` and directories (with a trailing `/`) whose path starts with
    /// `prefix`, relative to the working directory as typed.
    static func files(_ prefix: String, extensions: [String]) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[...$0]) } ?? ""
        let start = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        let files = FileManager.default
        guard let entries = try? files.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else {
            return []
        }
        return entries.sorted().compactMap { entry in
            guard entry.hasPrefix(start), start.hasPrefix(".") || !entry.hasPrefix(".") else { return nil }
            var isDirectory: ObjCBool = false
            _ = files.fileExists(atPath: directory + entry, isDirectory: &isDirectory)
            if isDirectory.boolValue { return directory + entry + "/" }
            return extensions.contains((entry as NSString).pathExtension) ? directory + entry : nil
        }
    }
}
