import Foundation
import KVLabTestSupport
import Quantization
import Sweeps
import Testing

@testable import KVLabCLI

/// `kvlab trial`'s switch options come from the registry: parsed by each switch's kind, documented from its
/// declaration, and an unknown or malformed one is bad input.
@Suite("kvlab trial: switch options derived from the registry")
struct SwitchOptionsTests {
    static func options(_ arguments: [String]) throws -> SwitchOptions {
        try SwitchOptions.parse(arguments)
    }

    @Test("every declared switch is an option: its value reaches the config (--NAME VALUE and --NAME=VALUE)")
    func everySwitchParses() throws {
        let options = try Self.options([
            "--scheme", "QKQV", "--bits=3", "--distribution", "t5", "--rank", "16", "--mixing", "axis", "--noise",
            "0.25",
            "--outliers", "2", "--outlier-scale=4", "--dim", "64", "--tokens", "100", "--queries", "7",
            "--logit-scale", "2", "--rotation", "haar", "--qjl", "orthogonal", "--codebook", "gaussian",
            "--baseline", "kv-uniform", "--norms", "f16",
        ])
        let config = try options.config()
        var expected = TrialConfig()
        expected.scheme = .QKQV
        expected.bits = 3
        expected.distribution = .t5
        expected.rank = 16
        expected.mixing = .axis
        expected.noise = 0.25
        expected.outliers = 2
        expected.outlierScale = 4
        expected.dim = 64
        expected.tokens = 100
        expected.queries = 7
        expected.logitScale = 2
        expected.rotation = .haar
        expected.qjl = .orthogonal
        expected.codebook = .gaussian
        expected.baseline = .kvUniform
        expected.norms = .f16
        #expect(config == expected)
        // The help lists every switch of the registry as an option.
        for s in SwitchRegistry.all {
            #expect(SwitchOptions.help.contains("--\(s.optionName):"), "\(s.name) is missing from --help")
        }
    }

    @Test("the unset word and the recipes: rank full, a recipe pair names its scheme")
    func wordsAndRecipes() throws {
        let full = try Self.options(["--rank", "full", "--dim", "32"]).config()
        #expect(full.rank == nil && full.resolved.rank == 32)
        let pair = try Self.options(["--key-recipe", "mse", "--value-recipe", "mse"]).config()
        #expect(pair.scheme.name == "mse+mse" && pair.scheme.key == .turboMSE && pair.scheme.value == .turboMSE)
        let shipped = try Self.options(["--key-recipe", "baseline", "--value-recipe", "baseline"]).config()
        #expect(shipped.scheme == .KV)
    }

    @Test(
        "bad switch options are exit 2 with what, where and how to fix",
        arguments: [
            (["trial", "--bitz", "3"], "unknown option '--bitz'; did you mean --bits?"),
            (
                ["trial", "--rotation", "hart"],
                "--rotation: 'hart' is not one of wht1, wht2, wht3, haar, none; did you mean haar?"
            ),
            (["trial", "--bits", "four"], "--bits: 'four' is not an integer"),
            (["trial", "--noise", "nan"], "--noise: 'nan' is not a finite number"),
            (["trial", "--bits", "3", "--bits", "4"], "--bits is given twice"),
            (["trial", "--bits"], "--bits: missing value"),
            (["trial", "--layer", "-1"], "--layer: -1 must be ≥ 0"),
            (["trial", "--bits", "9"], "--bits: 9 is out of range 1…8"),
            (["trial", "--key-recipe", "mse"], "give both --key-recipe and --value-recipe"),
            (["trial", "stray"], "unexpected argument 'stray'"),
        ])
    func badOptions(arguments: [String], message: String) throws {
        let r = try KVLabProcess.run(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal") && r.stdout.isEmpty)
    }
}
