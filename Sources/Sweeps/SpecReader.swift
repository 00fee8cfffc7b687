import ExperimentStore
import Quantization
import Yams

/// Reads typed values out of composed YAML nodes, turning every mismatch into a ``SweepSpecError`` that
/// names the source, the key path and what is allowed.
struct SpecReader {
    /// The file the spec came from.
    let source: String

    /// The schemes a `scheme` value may name besides `KEY+VALUE`: the shipped ones and those declared
    /// under `schemes:`.
    var schemes: [String: Scheme] = Dictionary(uniqueKeysWithValues: Scheme.shipped.map { ($0.name, $0) })

    /// An `invalid` error at a key path, positioned at a node when given.
    ///
    /// - Parameters:
    ///   - path: the key path, e.g. `grid.bits[2]`.
    ///   - message: what is wrong and what is allowed.
    ///   - node: the offending node, for its line and column.
    /// - Returns: the error (to throw).
    func error(_ path: String, _ message: String, at node: Node? = nil) -> SweepSpecError {
        error(path, message, location: node.flatMap(SourceLocation.init))
    }

    /// An `invalid` error at a key path, positioned at a location when given.
    ///
    /// - Parameters:
    ///   - path: the key path.
    ///   - message: what is wrong and what is allowed.
    ///   - location: where in the text, if known.
    /// - Returns: the error (to throw).
    func error(_ path: String, _ message: String, location: SourceLocation?) -> SweepSpecError {
        SweepSpecError(
            kind: .invalid, source: source, keyPath: path, message: message, line: location?.line,
            column: location?.column)
    }

    // MARK: Paths

    /// `parent.key`, or `key` at the root.
    static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    /// `parent[index]`.
    static func join(_ parent: String, index: Int) -> String { "\(parent)[\(index)]" }

    // MARK: Shapes

    /// The entries of a mapping node, in the order written, with plain-text keys checked for repeats.
    ///
    /// - Parameters:
    ///   - node: the node that must be a mapping.
    ///   - path: its key path.
    ///   - expected: what the mapping should hold, for the error message.
    /// - Returns: (key text, key node, value node) triples.
    /// - Throws: ``SweepSpecError`` when the node is not a mapping, a key is not a scalar, or a key repeats.
    func mapping(_ node: Node, _ path: String, expected: String) throws(SweepSpecError) -> [(
        key: String, keyNode: Node, value: Node
    )] {
        guard case .mapping(let mapping) = node else {
            throw error(path, "expected \(expected), got \(Self.describe(node))", at: node)
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        var seen: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(path, "a key must be a plain name, got \(Self.describe(keyNode))", at: keyNode)
            }
            let key = scalar.string
            if let first = seen[key] {
                let line = first.mark.map { " (first at line \($0.line))" } ?? ""
                throw error(Self.join(path, key), "duplicate key\(line)", at: keyNode)
            }
            seen[key] = keyNode
            entries.append((key, keyNode, value))
        }
        return entries
    }

    /// The elements of a sequence node.
    ///
    /// - Parameters:
    ///   - node: the node that must be a list.
    ///   - path: its key path.
    ///   - expected: what the list should hold, for the error message.
    /// - Returns: the elements, in order.
    /// - Throws: ``SweepSpecError`` when the node is not a list.
    func sequence(_ node: Node, _ path: String, expected: String) throws(SweepSpecError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(path, "expected \(expected), got \(Self.describe(node))", at: node)
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// The text of a non-null scalar.
    ///
    /// - Parameters:
    ///   - node: the node that must be a scalar.
    ///   - path: its key path.
    ///   - expected: what is allowed, for the error message.
    /// - Returns: the scalar's text.
    /// - Throws: ``SweepSpecError`` for a list, a mapping or null.
    func text(_ node: Node, _ path: String, expected: String) throws(SweepSpecError) -> String {
        guard case .scalar(let scalar) = node, !Self.isNull(scalar) else {
            throw error(path, "expected \(expected), got \(Self.describe(node))", at: node)
        }
        return scalar.string
    }

    /// A decimal integer written as a plain (unquoted) scalar.
    ///
    /// Only `[-+]?[0-9]+` is accepted: YAML 1.1's octal (`010`), hex, binary and base-60 forms are not.
    ///
    /// - Parameters:
    ///   - node: the node.
    ///   - path: its key path.
    /// - Returns: the integer.
    /// - Throws: ``SweepSpecError`` for anything else, or a value beyond `Int`.
    func integer(_ node: Node, _ path: String) throws(SweepSpecError) -> Int {
        guard case .scalar(let scalar) = node, Self.isPlain(scalar), Self.isDecimalInteger(scalar.string) else {
            throw error(path, "expected an integer, got \(Self.describe(node))", at: node)
        }
        guard let value = Int(scalar.string) else {
            throw error(path, "\(scalar.string) is out of range for an integer", at: node)
        }
        return value
    }

    /// A finite decimal number written as a plain scalar (`4`, `0.1`, `1e-3`, `.5`).
    ///
    /// - Parameters:
    ///   - node: the node.
    ///   - path: its key path.
    /// - Returns: the number, with −0 normalised to +0.
    /// - Throws: ``SweepSpecError`` for anything else, or a value that overflows to infinity.
    func number(_ node: Node, _ path: String) throws(SweepSpecError) -> Double {
        guard case .scalar(let scalar) = node, Self.isPlain(scalar), Self.isDecimalNumber(scalar.string),
            let value = Double(scalar.string)
        else {
            throw error(path, "expected a number, got \(Self.describe(node))", at: node)
        }
        guard value.isFinite else {
            throw error(path, "\(scalar.string) is not a finite number", at: node)
        }
        return value == 0 ? 0 : value
    }

    /// One of a list of words (case-sensitive).
    ///
    /// - Parameters:
    ///   - node: the node.
    ///   - path: its key path.
    ///   - words: the allowed words.
    /// - Returns: the word.
    /// - Throws: ``SweepSpecError`` listing the allowed words, with a suggestion for a near miss.
    func choice(_ node: Node, _ path: String, _ words: [String]) throws(SweepSpecError) -> String {
        let allowed = words.joined(separator: ", ")
        let word = try text(node, path, expected: "one of \(allowed)")
        guard words.contains(word) else {
            var message = "\(Self.describe(node)) is not one of \(allowed)"
            if let near = Spelling.nearest(word, among: words) {
                message += "; did you mean \(near)?"
            }
            throw error(path, message, at: node)
        }
        return word
    }

    /// A value for a switch, typed as its declaration requires (``SwitchDeclaration/Kind``).
    ///
    /// Ranges are not checked here: the expanded configs are validated with `TrialConfig.validate()`.
    ///
    /// - Parameters:
    ///   - name: the switch.
    ///   - node: the value node.
    ///   - path: its key path.
    /// - Returns: the setting.
    /// - Throws: ``SweepSpecError`` for a value of the wrong type or not among the allowed words.
    func setting(_ name: SwitchName, _ node: Node, _ path: String) throws(SweepSpecError) -> SwitchSetting {
        let declaration = name.declaration
        if let word = declaration.unsetWord, case .scalar(let scalar) = node, scalar.string == word {
            return SwitchSetting(name, .null)
        }
        let orWord = declaration.unsetWord.map { " or \($0)" } ?? ""
        switch declaration.kind {
        case .scheme: return .scheme(try scheme(node, path))
        case .choice(let words): return SwitchSetting(name, .string(try choice(node, path, words)))
        case .number: return SwitchSetting(name, .double(try number(node, path)))
        case .reference(let what): return SwitchSetting(name, .string(try text(node, path, expected: what)))
        case .integer(let minimum):
            let atLeast = minimum.map { " ≥ \($0)" } ?? ""
            guard case .scalar(let scalar) = node, Self.isPlain(scalar), Self.isDecimalInteger(scalar.string) else {
                throw error(path, "expected an integer\(atLeast)\(orWord), got \(Self.describe(node))", at: node)
            }
            let value = try integer(node, path)
            if let minimum, value < minimum {
                throw error(path, "\(value) is not an integer\(atLeast)\(orWord)", at: node)
            }
            return SwitchSetting(name, .int(value))
        case .layerList:
            let expected = "a layer list such as 0-9 or 0,4-7\(orWord)"
            let word = try text(node, path, expected: expected)
            guard let selection = LayerSelection(parsing: word) else {
                throw error(path, "expected \(expected), got \(word)", at: node)
            }
            return SwitchSetting(name, .string(selection.description))
        case .recipe:
            throw error(path, "a spec sets the recipes through scheme", at: node)
        }
    }

    /// A scheme: a shipped one, one declared under `schemes:`, or `KEY+VALUE`.
    private func scheme(_ node: Node, _ path: String) throws(SweepSpecError) -> Scheme {
        let shipped = Scheme.shipped.map(\.name)
        let names = shipped + schemes.keys.filter { !shipped.contains($0) }.sorted()
        let word = try text(node, path, expected: "one of \(names.joined(separator: ", "))")
        if let scheme = schemes[word] ?? Scheme(naming: word) { return scheme }
        var message = "\(Self.describe(node)) is not one of \(names.joined(separator: ", "))"
        if let near = Spelling.nearest(word, among: names) {
            message += "; did you mean \(near)?"
        } else {
            message += " (declare a scheme under schemes:, or write KEY+VALUE with recipes mse, prod, baseline)"
        }
        throw error(path, message, at: node)
    }

    /// A switch name.
    ///
    /// - Parameters:
    ///   - key: the key text.
    ///   - keyNode: the key node (for its position).
    ///   - path: the key path of the key.
    /// - Returns: the switch.
    /// - Throws: ``SweepSpecError`` listing the switch names, with a suggestion for a near miss.
    func switchName(_ key: String, _ keyNode: Node, _ path: String) throws(SweepSpecError) -> SwitchName {
        guard let name = SwitchName(rawValue: key) else {
            throw unknownKey(key, keyNode, path, allowed: SwitchName.allCases.map(\.rawValue))
        }
        return name
    }

    /// The error for a key that is not allowed here.
    ///
    /// - Parameters:
    ///   - key: the key text.
    ///   - keyNode: the key node.
    ///   - path: the key path of the key.
    ///   - allowed: the keys allowed at this level.
    /// - Returns: the error (to throw).
    func unknownKey(_ key: String, _ keyNode: Node, _ path: String, allowed: [String]) -> SweepSpecError {
        var message = "unknown key (allowed: \(allowed.joined(separator: ", ")))"
        if let near = Spelling.nearest(key, among: allowed) { message += "; did you mean \(near)?" }
        return error(path, message, at: keyNode)
    }

    // MARK: Helpers

    /// Whether a scalar is YAML null (`~`, `null`, or nothing), unquoted.
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        isPlain(scalar) && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// Whether a scalar was written unquoted (plain), as numbers must be.
    static func isPlain(_ scalar: Node.Scalar) -> Bool { scalar.style == .plain || scalar.style == .any }

    /// Whether text is `[-+]?[0-9]+`.
    static func isDecimalInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if let first = digits.first, first == "-" || first == "+" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Whether text is a decimal number: `[-+]?(digits[.digits?]|.digits)([eE][-+]?digits)?`.
    static func isDecimalNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        if let first = rest.first, first == "-" || first == "+" { rest = rest.dropFirst() }
        let mantissaEnd = rest.firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
        let mantissa = rest[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (s: Substring) in s.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.allSatisfy(isDigits), parts.contains(where: { !$0.isEmpty }) else { return false }
        guard mantissaEnd != rest.endIndex else { return true }
        var exponent = rest[rest.index(after: mantissaEnd)...]
        if let first = exponent.first, first == "-" || first == "+" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && isDigits(exponent)
    }

    /// A node in words for error messages: numbers and null as written, other text quoted, or "a list" /
    /// "a mapping". Long text is shortened.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(scalar) { return "null" }
            var text = scalar.string
            if text.count > 40 { text = String(text.prefix(37)) + "…" }
            if isPlain(scalar), isDecimalNumber(text) { return text }
            return String(reflecting: text)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
