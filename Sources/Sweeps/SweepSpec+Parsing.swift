import Foundation
import Quantization
import Yams

extension SweepSpec {
    /// The keys a spec may have at its top level.
    public static let topLevelKeys = [
        "name", "description", "tags", "seeds", "trials", "schemes", "fixed", "grid", "grids", "exclude",
    ]

    /// Longest `description` accepted, in characters.
    public static let maxDescriptionLength = 10_000
    /// Most `tags` accepted.
    public static let maxTags = 100
    /// Longest tag name and tag value accepted, in characters.
    public static let maxTagLength = 1_000

    /// Largest spec file accepted, in bytes.
    public static let maxFileSize = 4 << 20

    /// Reads, parses and expands a spec file.
    ///
    /// - Parameter path: the file (YAML or JSON); errors name it as given.
    /// - Returns: the valid, expanded spec.
    /// - Throws: ``SweepSpecError`` of kind `io` when the file cannot be read (missing, a directory,
    ///   unreadable, too large, not UTF-8), else as ``parse(text:source:)``.
    public static func load(path: String, datasets: DatasetCatalog = .empty) throws(SweepSpecError) -> SweepSpec {
        func fail(_ message: String) -> SweepSpecError {
            SweepSpecError(kind: .io, source: path, message: message)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("no such file")
        }
        guard !isDirectory.boolValue else { throw fail("is a directory, not a spec file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read") }
        guard data.count <= maxFileSize else {
            throw fail("is \(data.count) bytes; a spec may have at most \(maxFileSize)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw fail("is not valid UTF-8 text") }
        return try parse(text: text, source: path, datasets: datasets)
    }

    /// Parses, validates and expands a spec.
    ///
    /// Keys (unknown keys are errors, at every level):
    /// - `name` (required): `[A-Za-z0-9._-]+`, at most 100 characters.
    /// - `description`: free text about the sweep (at most ``maxDescriptionLength`` characters).
    /// - `tags`: a mapping of tag name → value (scalars, kept as written; at most ``maxTags``). Neither
    ///   `description` nor `tags` enters the fingerprints: editing them never re-plans a run.
    /// - `seeds` (required): a count N (seeds 1…N, N ≤ ``maxSeedCount``) or a non-empty list of distinct
    ///   non-negative integers.
    /// - `trials`: trials per run, 1…``maxTrials``; default 8.
    /// - `fixed`: switch → single value, applied to every config.
    /// - `grid`: switch → non-empty list of distinct values, crossed; or `grids`: a non-empty list of such
    ///   grids, unioned. Mutually exclusive; with neither, the spec has the one config `fixed` defines.
    ///   A switch may not be both fixed and varied in a grid.
    /// - `exclude`: a list of partial assignments (switch → single value); a config whose resolved switches
    ///   match every entry of one assignment is dropped (a non-applicable switch matches nothing).
    ///
    /// Switch names and values are those of docs/science.md; `rank` also takes `full` (= dim). Integers and
    /// numbers are written unquoted in decimal; words (scheme, distribution, …) quoted or not.
    ///
    /// - Parameters:
    ///   - text: the YAML (or JSON) text.
    ///   - source: the file name used in error messages and stored as ``source``.
    /// - Returns: the valid, expanded spec.
    /// - Throws: ``SweepSpecError`` of kind `syntax` (with line and column) or `invalid` (with key path).
    ///   - datasets: the datasets a `source` may name (a spec without `source` needs none).
    public static func parse(text: String, source: String, datasets: DatasetCatalog = .empty)
        throws(SweepSpecError) -> SweepSpec
    {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, text: text, source: source)
        }
        var reader = SpecReader(source: source)
        guard let root = composed else {
            throw SweepSpecError(
                kind: .invalid, source: source,
                message: "empty spec (expected a mapping with keys \(topLevelKeys.joined(separator: ", ")))")
        }
        var keys: [String: (keyNode: Node, value: Node)] = [:]
        let expected = "a mapping with keys \(topLevelKeys.joined(separator: ", "))"
        for entry in try reader.mapping(root, "", expected: expected) {
            guard topLevelKeys.contains(entry.key) else {
                throw reader.unknownKey(entry.key, entry.keyNode, entry.key, allowed: topLevelKeys)
            }
            keys[entry.key] = (entry.keyNode, entry.value)
        }

        if let node = keys["schemes"]?.value { reader.schemes = try parseSchemes(node, reader) }
        let name = try parseName(keys["name"]?.value, reader)
        let seeds = try parseSeeds(keys["seeds"]?.value, reader)
        var trials = 8
        if let node = keys["trials"]?.value {
            trials = try reader.integer(node, "trials")
            guard (1...maxTrials).contains(trials) else {
                throw reader.error("trials", "\(trials) is out of range 1…\(maxTrials)", at: node)
            }
        }
        var fixed: [SwitchSetting] = []
        var fixedLocations: [SwitchName: SourceLocation] = [:]
        if let node = keys["fixed"]?.value {
            for entry in try reader.mapping(node, "fixed", expected: "a mapping of switch → value") {
                let path = SpecReader.join("fixed", entry.key)
                let name = try reader.switchName(entry.key, entry.keyNode, path)
                fixed.append(try singleValue(name, entry.value, path, reader, hint: "to vary a switch, use grid"))
                fixedLocations[name] = SourceLocation(entry.value)
            }
        }
        var grids: [SweepGrid] = []
        if keys["grid"] != nil, let list = keys["grids"] {
            throw reader.error(
                "grids", "grid and grids are mutually exclusive (grids is a list of grids, unioned)", at: list.keyNode)
        }
        if let node = keys["grid"]?.value {
            try checkCombinations([node], path: "grid", reader)
            grids = [try parseGrid(node, "grid", fixed: Set(fixedLocations.keys), reader)]
        }
        if let node = keys["grids"]?.value {
            let items = try reader.sequence(node, "grids", expected: "a list of grids")
            guard !items.isEmpty else {
                throw reader.error("grids", "empty list (give at least one grid, or omit grids)", at: node)
            }
            try checkCombinations(items, path: items.count == 1 ? "grids[0]" : "grids", reader)
            for (i, item) in items.enumerated() {
                let path = SpecReader.join("grids", index: i)
                grids.append(try parseGrid(item, path, fixed: Set(fixedLocations.keys), reader))
            }
        }
        var exclude: [[SwitchSetting]] = []
        if let node = keys["exclude"]?.value {
            let items = try reader.sequence(node, "exclude", expected: "a list of partial assignments")
            guard items.count <= maxExclusions else {
                throw reader.error(
                    "exclude", "\(items.count) entries; a spec may have at most \(maxExclusions)", at: node)
            }
            for (i, item) in items.enumerated() {
                let path = SpecReader.join("exclude", index: i)
                let entries = try reader.mapping(item, path, expected: "a mapping of switch → value")
                guard !entries.isEmpty else {
                    throw reader.error(path, "empty assignment (it would exclude every config)", at: item)
                }
                var assignment: [SwitchSetting] = []
                for entry in entries {
                    let keyPath = SpecReader.join(path, entry.key)
                    let name = try reader.switchName(entry.key, entry.keyNode, keyPath)
                    assignment.append(try singleValue(name, entry.value, keyPath, reader, hint: nil))
                }
                exclude.append(assignment)
            }
        }
        var spec = try SweepSpec(
            source: source, name: name, seeds: seeds, trials: trials, fixed: fixed, fixedLocations: fixedLocations,
            grids: grids, exclude: exclude, datasets: datasets)
        if let node = keys["description"]?.value { spec.description = try parseDescription(node, reader) }
        if let node = keys["tags"]?.value { spec.tags = try parseTags(node, reader) }
        return spec
    }

    // MARK: Keys

    /// `schemes: {NAME: {key: RECIPE, value: RECIPE}, …}`: the shipped schemes plus the declared ones.
    private static func parseSchemes(_ node: Node, _ reader: SpecReader) throws(SweepSpecError) -> [String: Scheme] {
        var schemes = reader.schemes
        var pairs: [String: String] = [:]
        let recipes = Recipe.allCases.map(\.rawValue).joined(separator: ", ")
        for entry in try reader.mapping(node, "schemes", expected: "a mapping of name → {key: RECIPE, value: RECIPE}") {
            let path = SpecReader.join("schemes", entry.key)
            var sides: [String: Recipe] = [:]
            for side in try reader.mapping(entry.value, path, expected: "a mapping {key: RECIPE, value: RECIPE}") {
                let sidePath = SpecReader.join(path, side.key)
                guard side.key == "key" || side.key == "value" else {
                    throw reader.unknownKey(side.key, side.keyNode, sidePath, allowed: ["key", "value"])
                }
                sides[side.key] = Recipe(
                    rawValue: try reader.choice(side.value, sidePath, Recipe.allCases.map(\.rawValue)))
            }
            guard let key = sides["key"], let value = sides["value"] else {
                throw reader.error(
                    path, "give both recipes: {key: RECIPE, value: RECIPE} with \(recipes)", at: entry.value)
            }
            let scheme: Scheme
            do throws(ConfigError) {
                scheme = try Scheme(declaring: entry.key, key: key, value: value)
            } catch {
                throw reader.error(path, error.message, at: entry.keyNode)
            }
            let pair = "\(key.rawValue)+\(value.rawValue)"
            if let other = pairs[pair] {
                throw reader.error(path, "\(other) already names \(scheme.recipeText); use one name", at: entry.keyNode)
            }
            pairs[pair] = entry.key
            schemes[entry.key] = scheme
        }
        return schemes
    }

    /// `description: TEXT`.
    private static func parseDescription(_ node: Node, _ reader: SpecReader) throws(SweepSpecError) -> String {
        let text = try reader.text(node, "description", expected: "a text")
        guard text.count <= maxDescriptionLength else {
            throw reader.error(
                "description", "\(text.count) characters; a description may have at most \(maxDescriptionLength)",
                at: node)
        }
        return text
    }

    /// `tags: {NAME: VALUE, …}`: scalar values, kept as written.
    private static func parseTags(_ node: Node, _ reader: SpecReader) throws(SweepSpecError) -> [String: String] {
        let entries = try reader.mapping(node, "tags", expected: "a mapping of tag name → value")
        guard entries.count <= maxTags else {
            throw reader.error("tags", "\(entries.count) tags; a spec may have at most \(maxTags)", at: node)
        }
        var tags: [String: String] = [:]
        for entry in entries {
            let path = SpecReader.join("tags", entry.key)
            let value = try reader.text(entry.value, path, expected: "a text value (write a list as one text)")
            guard !entry.key.isEmpty, entry.key.count <= maxTagLength, value.count <= maxTagLength else {
                throw reader.error(
                    path, "a tag name must be 1…\(maxTagLength) characters and its value at most \(maxTagLength)",
                    at: entry.keyNode)
            }
            tags[entry.key] = value
        }
        return tags
    }

    private static func parseName(_ node: Node?, _ reader: SpecReader) throws(SweepSpecError) -> String {
        let rule = "[A-Za-z0-9._-]+, at most 100 characters"
        guard let node else { throw reader.error("name", "missing (required: the sweep's name, \(rule))") }
        let name = try reader.text(node, "name", expected: "a name (\(rule))")
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII
                && (("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
                    || $0 == "." || $0 == "_" || $0 == "-")
        }
        guard allowed, !name.isEmpty, name.count <= 100 else {
            throw reader.error("name", "\(SpecReader.describe(node)) is not a valid name (\(rule))", at: node)
        }
        return name
    }

    private static func parseSeeds(_ node: Node?, _ reader: SpecReader) throws(SweepSpecError) -> [Int] {
        guard let node else {
            throw reader.error("seeds", "missing (required: a count N for seeds 1…N, or a list of seeds)")
        }
        if case .scalar = node {
            let count = try reader.integer(node, "seeds")
            guard (1...maxSeedCount).contains(count) else {
                throw reader.error(
                    "seeds", "\(count) is out of range 1…\(maxSeedCount) (a count N means seeds 1…N)", at: node)
            }
            return Array(1...count)
        }
        let items = try reader.sequence(node, "seeds", expected: "a count or a list of seeds")
        guard !items.isEmpty, items.count <= maxSeedCount else {
            throw reader.error("seeds", "expected 1…\(maxSeedCount) seeds, got \(items.count)", at: node)
        }
        var seeds: [Int] = []
        var first: [Int: Int] = [:]
        for (i, item) in items.enumerated() {
            let path = SpecReader.join("seeds", index: i)
            let seed = try reader.integer(item, path)
            guard seed >= 0 else { throw reader.error(path, "\(seed) is not a non-negative integer", at: item) }
            if let j = first[seed] { throw reader.error(path, "\(seed) is listed twice (also seeds[\(j)])", at: item) }
            first[seed] = i
            seeds.append(seed)
        }
        return seeds
    }

    private static func singleValue(
        _ name: SwitchName, _ node: Node, _ path: String, _ reader: SpecReader, hint: String?
    ) throws(SweepSpecError) -> SwitchSetting {
        if case .scalar = node { return try reader.setting(name, node, path) }
        let suffix = hint.map { "; \($0)" } ?? ""
        throw reader.error(
            path, "expected a single value (\(name.allowedValues)), got \(SpecReader.describe(node))\(suffix)",
            at: node)
    }

    /// Rejects grids that expand to more than ``maxCombinations`` before any value is read, from the lengths
    /// of their lists alone: the work of parsing is then bounded by the limit, even when the lists are long or
    /// many grids are aliases of one (`grids: [*g, *g, …]`). A single list longer than the limit is named by
    /// its key path. Shapes are not checked here (``parseGrid(_:_:fixed:_:)`` reports them).
    ///
    /// - Parameters:
    ///   - grids: the grid nodes.
    ///   - path: the key path named by the error (`grid`, `grids[0]` or `grids`).
    ///   - reader: for errors.
    /// - Throws: ``SweepSpecError`` naming the list or the grid and the limit.
    private static func checkCombinations(_ grids: [Node], path: String, _ reader: SpecReader) throws(SweepSpecError) {
        var total = 0
        for (g, grid) in grids.enumerated() {
            guard case .mapping(let mapping) = grid else { continue }
            var product = 1
            for (keyNode, value) in mapping {
                guard case .sequence(let list) = value else { continue }
                if list.count > maxCombinations {
                    let gridPath = grids.count == 1 && path != "grids" ? path : SpecReader.join("grids", index: g)
                    let axisPath = SpecReader.join(gridPath, keyNode.string ?? "?")
                    throw reader.error(
                        axisPath,
                        "\(list.count) values; a list may have at most \(maxCombinations) (the most combinations "
                            + "a spec may expand to)", at: value)
                }
                let (next, overflow) = product.multipliedReportingOverflow(by: list.count)
                product = overflow ? Int.max : next
            }
            let (sum, overflow) = total.addingReportingOverflow(product)
            total = overflow ? Int.max : sum
        }
        guard total <= maxCombinations else {
            // The message of the expansion's own check (SweepSpec.expand), given earlier.
            let count = total == Int.max ? "more than \(Int.max)" : "\(total)"
            throw reader.error(path, "expands to \(count) combinations (at most \(maxCombinations) are allowed)")
        }
    }

    private static func parseGrid(_ node: Node, _ path: String, fixed: Set<SwitchName>, _ reader: SpecReader)
        throws(SweepSpecError) -> SweepGrid
    {
        let entries = try reader.mapping(node, path, expected: "a mapping of switch → list of values")
        guard !entries.isEmpty else {
            throw reader.error(path, "no switch to vary (omit it for the single config that fixed defines)", at: node)
        }
        var axes: [SweepAxis] = []
        for entry in entries {
            let axisPath = SpecReader.join(path, entry.key)
            let name = try reader.switchName(entry.key, entry.keyNode, axisPath)
            guard !fixed.contains(name) else {
                throw reader.error(
                    axisPath,
                    "\(name.rawValue) is also fixed (fixed.\(name.rawValue)); a switch is either fixed or varied",
                    at: entry.keyNode)
            }
            // `layer: all` and `head: all` are one axis value that expands to every layer or KV head.
            if name == .layer || name == .head, case .scalar(let scalar) = entry.value, scalar.string == "all" {
                let value = try reader.setting(name, entry.value, axisPath)
                axes.append(SweepAxis(name: name, values: [value], locations: [SourceLocation(entry.value)]))
                continue
            }
            guard case .sequence(let list) = entry.value else {
                throw reader.error(
                    axisPath,
                    "expected a list of values (\(name.allowedValues)), got \(SpecReader.describe(entry.value)); "
                        + "for a single value use fixed",
                    at: entry.value)
            }
            guard !list.isEmpty else {
                throw reader.error(
                    axisPath, "empty list (give at least one value: \(name.allowedValues))", at: entry.value)
            }
            var values: [SwitchSetting] = []
            var locations: [SourceLocation?] = []
            var first: [SwitchSetting: Int] = [:]
            values.reserveCapacity(list.count)
            locations.reserveCapacity(list.count)
            for (i, item) in list.enumerated() {
                let itemPath = SpecReader.join(axisPath, index: i)
                let value = try reader.setting(name, item, itemPath)
                if let j = first.updateValue(i, forKey: value) {
                    throw reader.error(itemPath, "\(value.valueText) is listed twice (also [\(j)])", at: item)
                }
                values.append(value)
                locations.append(SourceLocation(item))
            }
            axes.append(SweepAxis(name: name, values: values, locations: locations))
        }
        return SweepGrid(axes: axes, keyPath: path)
    }

    // MARK: Syntax errors

    private static func syntaxError(_ error: any Error, text: String, source: String) -> SweepSpecError {
        func fail(_ message: String, _ line: Int?, _ column: Int?) -> SweepSpecError {
            SweepSpecError(
                kind: .syntax, source: source, message: "YAML syntax error: \(message)", line: line, column: column)
        }
        guard let yaml = error as? YamlError else { return fail("\(error)", nil, nil) }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = problem
            if let context {
                let at = "line \(context.mark.line), column \(context.mark.column)"
                message =
                    problem.hasPrefix("but ")
                    ? "\(context.text), \(problem)" : "\(problem) (\(context.text) at \(at))"
            }
            if character(in: text, line: mark.line, column: mark.column) == "\t" {
                message += "; YAML does not allow tabs for indentation, use spaces"
            }
            return fail(message, mark.line, mark.column)
        case .reader(let problem, let offset, _, _):
            guard let offset else { return fail(problem, nil, nil) }
            let prefix = text.prefix(offset)
            let line = prefix.reduce(1) { $1.isNewline ? $0 + 1 : $0 }
            let column = prefix.reversed().prefix { !$0.isNewline }.count + 1
            return fail(problem, line, column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { String(reflecting: $0) }.joined(separator: ", ")
            return fail("duplicate key \(keys) (first occurrence here)", context.mark.line, context.mark.column)
        default:
            return fail("\(yaml)", nil, nil)
        }
    }
    /// The character at a 1-based line and column (columns in Unicode scalars), if any.
    private static func character(in text: String, line: Int, column: Int) -> Unicode.Scalar? {
        var currentLine = 1
        var currentColumn = 1
        for scalar in text.unicodeScalars {
            if currentLine == line, currentColumn == column { return scalar }
            if scalar == "\n" {
                currentLine += 1
                currentColumn = 1
            } else {
                currentColumn += 1
            }
            if currentLine > line { return nil }
        }
        return nil
    }
}
