import Sweeps
import Testing

/// One invalid spec and the error it must give.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    /// What the case checks.
    var label: String
    /// The spec text.
    var text: String
    /// The expected key path (empty for syntax errors).
    var keyPath: String
    /// The expected message, or a prefix of it.
    var message: String
    /// The expected kind.
    var kind: SweepSpecError.Kind = .invalid

    var testDescription: String { label }
}

@Suite("Sweep spec errors")
struct SpecErrorTests {
    static let head = "name: x\nseeds: 2\n"

    static let cases: [ErrorCase] = [
        ErrorCase(
            label: "bits out of range in a grid", text: head + "grid:\n  bits: [2, 4, 0]\n",
            keyPath: "grid.bits[2]", message: "0 is out of range 1…8"),
        ErrorCase(
            label: "unknown switch under fixed", text: head + "fixed:\n  dimm: 64\n", keyPath: "fixed.dimm",
            message: "unknown key (allowed: scheme, bits, distribution, rank, mixing, noise, outliers, "
                + "outlier_scale, dim, tokens, queries, logit_scale, rotation, qjl, codebook, baseline, norms, source, "
                + "layer, head, model, text, positions, layers); did you mean dim?"),
        ErrorCase(
            label: "unknown scheme", text: head + "grid:\n  scheme: [KQ, KV]\n", keyPath: "grid.scheme[0]",
            message: "\"KQ\" is not one of KV, KQV, QKQV"),
        ErrorCase(
            label: "trials of the wrong type", text: head + "trials: many\n", keyPath: "trials",
            message: "expected an integer, got \"many\""),
        ErrorCase(
            label: "trials zero", text: head + "trials: 0\n", keyPath: "trials", message: "0 is out of range 1…"),
        ErrorCase(
            label: "quoted number", text: head + "trials: \"8\"\n", keyPath: "trials",
            message: "expected an integer, got \"8\""),
        ErrorCase(
            label: "empty grid list", text: head + "grid:\n  bits: []\n", keyPath: "grid.bits",
            message: "empty list (give at least one value: an integer in 1…8)"),
        ErrorCase(
            label: "grid value not a list", text: head + "grid:\n  bits: 4\n", keyPath: "grid.bits",
            message: "expected a list of values (an integer in 1…8), got 4; for a single value use fixed"),
        ErrorCase(
            label: "empty grid", text: head + "grid: {}\n", keyPath: "grid", message: "no switch to vary"),
        ErrorCase(
            label: "dim not a power of two", text: head + "fixed:\n  dim: 100\n", keyPath: "fixed.dim",
            message: "100 is not a power of two in 16…4096"),
        ErrorCase(
            label: "rank above a fixed dim", text: head + "fixed: {dim: 64}\ngrid:\n  rank: [8, 128]\n",
            keyPath: "grid.rank[1]", message: "128 is out of range 1…dim (64) (dim from fixed.dim)"),
        ErrorCase(
            label: "rank above a grid dim", text: head + "grid:\n  dim: [256, 32]\n  rank: [64]\n",
            keyPath: "grid.rank[0]", message: "64 is out of range 1…dim (32) (dim from grid.dim[1])"),
        ErrorCase(
            label: "rank above the default dim", text: head + "fixed: {rank: 256}\n", keyPath: "fixed.rank",
            message: "256 is out of range 1…dim (128)"),
        ErrorCase(
            label: "rank word", text: head + "grid:\n  rank: [8, half]\n", keyPath: "grid.rank[1]",
            message: "expected an integer or full, got \"half\""),
        ErrorCase(
            label: "invalid value in grids", text: head + "grids:\n  - bits: [2]\n  - noise: [0.1, -1]\n",
            keyPath: "grids[1].noise[1]", message: "-1.0 must be a finite number ≥ 0"),
        ErrorCase(
            label: "unknown top-level key", text: head + "trails: 4\n", keyPath: "trails",
            message:
                "unknown key (allowed: name, description, tags, seeds, trials, schemes, fixed, grid, grids, exclude); did you mean trials?"
        ),
        ErrorCase(
            label: "missing name", text: "seeds: 2\n", keyPath: "name", message: "missing (required"),
        ErrorCase(
            label: "invalid name", text: "name: my sweep\nseeds: 2\n", keyPath: "name",
            message: "\"my sweep\" is not a valid name ([A-Za-z0-9._-]+"),
        ErrorCase(
            label: "missing seeds", text: "name: x\n", keyPath: "seeds", message: "missing (required"),
        ErrorCase(
            label: "zero seeds", text: "name: x\nseeds: 0\n", keyPath: "seeds",
            message: "0 is out of range 1…100000 (a count N means seeds 1…N)"),
        ErrorCase(
            label: "negative seed", text: "name: x\nseeds: [1, -2]\n", keyPath: "seeds[1]",
            message: "-2 is not a non-negative integer"),
        ErrorCase(
            label: "duplicate seed", text: "name: x\nseeds: [1, 2, 1]\n", keyPath: "seeds[2]",
            message: "1 is listed twice (also seeds[0])"),
        ErrorCase(
            label: "empty seed list", text: "name: x\nseeds: []\n", keyPath: "seeds", message: "expected 1…"),
        ErrorCase(
            label: "duplicate grid value", text: head + "grid:\n  bits: [2, 3, 2]\n", keyPath: "grid.bits[2]",
            message: "2 is listed twice (also [0])"),
        ErrorCase(
            label: "fixed and varied", text: head + "fixed: {bits: 4}\ngrid:\n  bits: [2, 3]\n",
            keyPath: "grid.bits", message: "bits is also fixed (fixed.bits); a switch is either fixed or varied"),
        ErrorCase(
            label: "grid and grids", text: head + "grid: {bits: [2]}\ngrids:\n  - bits: [3]\n", keyPath: "grids",
            message: "grid and grids are mutually exclusive"),
        ErrorCase(
            label: "grids not a list", text: head + "grids: {bits: [2]}\n", keyPath: "grids",
            message: "expected a list of grids, got a mapping"),
        ErrorCase(
            label: "empty grids", text: head + "grids: []\n", keyPath: "grids", message: "empty list"),
        ErrorCase(
            label: "fixed value is a list", text: head + "fixed: {bits: [2, 3]}\n", keyPath: "fixed.bits",
            message: "expected a single value (an integer in 1…8), got a list; to vary a switch, use grid"),
        ErrorCase(
            label: "fixed not a mapping", text: head + "fixed: [bits]\n", keyPath: "fixed",
            message: "expected a mapping of switch → value, got a list"),
        ErrorCase(
            label: "exclude unknown switch", text: head + "grid: {bits: [2]}\nexclude:\n  - {bitz: 2}\n",
            keyPath: "exclude[0].bitz", message: "unknown key (allowed:"),
        ErrorCase(
            label: "exclude bad value", text: head + "grid: {bits: [2]}\nexclude:\n  - {scheme: kv}\n",
            keyPath: "exclude[0].scheme", message: "\"kv\" is not one of KV, KQV, QKQV"),
        ErrorCase(
            label: "exclude empty entry", text: head + "exclude:\n  - {}\n", keyPath: "exclude[0]",
            message: "empty assignment"),
        ErrorCase(
            label: "number of the wrong type", text: head + "fixed: {noise: lots}\n", keyPath: "fixed.noise",
            message: "expected a number, got \"lots\""),
        ErrorCase(
            label: "integer given as decimal", text: head + "fixed: {bits: 4.0}\n", keyPath: "fixed.bits",
            message: "expected an integer, got 4.0"),
        ErrorCase(
            label: "integer overflow", text: head + "fixed: {tokens: 99999999999999999999999}\n",
            keyPath: "fixed.tokens", message: "99999999999999999999999 is out of range for an integer"),
        ErrorCase(
            label: "non-finite number", text: head + "fixed: {noise: 1e999}\n", keyPath: "fixed.noise",
            message: "1e999 is not a finite number"),
        ErrorCase(
            label: "null value", text: head + "fixed:\n  scheme:\n", keyPath: "fixed.scheme",
            message: "expected one of KV, KQV, QKQV, got null"),
        ErrorCase(
            label: "too many combinations",
            text: head + "grid:\n  bits: [1,2,3,4,5,6,7,8]\n  tokens: ["
                + (1...200).map(String.init).joined(separator: ",")
                + "]\n  queries: [" + (1...100).map(String.init).joined(separator: ",") + "]\n",
            keyPath: "grid", message: "expands to 160000 combinations (at most 100000 are allowed)"),
        ErrorCase(
            label: "too many runs",
            text: "name: x\nseeds: 100000\ngrid: {bits: [1,2,3,4,5,6,7,8], tokens: [1, 2]}\nfixed: {}\n"
                + "exclude: []\n", keyPath: "seeds", message: "16 configs × 100000 seeds exceed 1000000 planned runs"),
        ErrorCase(
            label: "root not a mapping", text: "- a\n- b\n", keyPath: "",
            message:
                "expected a mapping with keys name, description, tags, seeds, trials, schemes, fixed, grid, grids, exclude, got a list"
        ),
        ErrorCase(label: "empty text", text: "", keyPath: "", message: "empty spec"),
        ErrorCase(
            label: "YAML syntax error", text: "name: x\nseeds: [1, 2\ntrials: 3\n", keyPath: "",
            message: "YAML syntax error: ", kind: .syntax),
        ErrorCase(
            label: "duplicate key", text: "name: x\nseeds: 2\nseeds: 3\n", keyPath: "",
            message: "YAML syntax error: duplicate key \"seeds\" (first occurrence here)", kind: .syntax),
        ErrorCase(
            label: "duplicate key with different YAML tags", text: head + "1: a\n'1': b\n", keyPath: "1",
            message: "duplicate key (first at line 3)"),
        ErrorCase(
            label: "two documents", text: "name: x\nseeds: 2\n---\nname: y\n", keyPath: "",
            message: "YAML syntax error: expected a single document", kind: .syntax),
    ]

    @Test("each invalid spec names the file, key path and what is allowed", arguments: cases)
    func invalid(_ errorCase: ErrorCase) throws {
        let error = try #require(TestSupport.error(errorCase.text), "the spec was accepted")
        #expect(error.kind == errorCase.kind)
        #expect(error.source == "sweeps/x.yaml")
        #expect(error.keyPath == errorCase.keyPath)
        #expect(error.message.hasPrefix(errorCase.message), "\(error.message)")
        let prefix = errorCase.keyPath.isEmpty ? "sweeps/x.yaml: " : "sweeps/x.yaml: \(errorCase.keyPath): "
        #expect(error.description.hasPrefix(prefix), "\(error)")
    }

    @Test("the description gives the exact location and position")
    func descriptionFormat() throws {
        let error = try #require(TestSupport.error("name: x\nseeds: 2\ngrid:\n  bits: [2, 4, 0]\n"))
        #expect(error.description == "sweeps/x.yaml: grid.bits[2]: 0 is out of range 1…8 (line 4, column 16)")
        #expect(error.location == "sweeps/x.yaml: grid.bits[2]")
        let syntax = try #require(TestSupport.error("name: x\nseeds: [1, 2\ntrials: 3\n"))
        #expect(syntax.line != nil && syntax.column != nil)
        #expect(syntax.description.hasPrefix("sweeps/x.yaml: line \(syntax.line!), column \(syntax.column!): YAML"))
        let unknown = try #require(TestSupport.error("name: x\nseeds: 2\nfixed:\n  dimm: 64\n"))
        #expect(unknown.line == 4 && unknown.column == 3)
    }

    @Test("near misses get a suggestion, ties and distant words do not")
    func suggestions() throws {
        let lower = try #require(TestSupport.error(Self.head + "fixed: {scheme: kqv}\n"))
        #expect(lower.message == "\"kqv\" is not one of KV, KQV, QKQV; did you mean KQV?")
        let typo = try #require(TestSupport.error(Self.head + "fixed: {rotation: hadamard}\n"))
        #expect(!typo.message.contains("did you mean"))
        let tie = try #require(TestSupport.error(Self.head + "fixed: {scheme: KQ}\n"))
        #expect(
            tie.message
                == "\"KQ\" is not one of KV, KQV, QKQV (declare a scheme under schemes:, or write KEY+VALUE with "
                + "recipes mse, prod, baseline)")
        let key = try #require(TestSupport.error(Self.head + "grid: {logitscale: [1]}\n"))
        #expect(key.message.hasSuffix("did you mean logit_scale?"))
    }

    @Test("syntax errors report the line")
    func syntaxLine() throws {
        let error = try #require(TestSupport.error("name: x\nseeds: 2\ngrid:\n  bits: [2, 3\n  scheme: [KV]\n"))
        #expect(error.kind == .syntax)
        #expect((4...6).contains(error.line ?? 0), "\(error)")
        let tab = try #require(TestSupport.error("name: x\nseeds: 2\ngrid:\n\tbits: [2]\n"))
        #expect(tab.kind == .syntax && tab.line == 4, "\(tab)")
        #expect(tab.message.contains("YAML does not allow tabs for indentation"), "\(tab)")
    }
}
