import ExperimentStore
import Foundation
import GRDB
import Quantization
import Testing

@testable import Claims

/// A temporary kvlab database built through the store API, filled with hand-chosen metric values whose
/// claim verdicts are known. Each test builds its own.
final class FixtureDatabase: @unchecked Sendable {
    /// The identity of a fixture run.
    struct Key: Hashable {
        var scheme: Scheme
        var bits: Int
        var distribution: Distribution
        var rank: Int
        var mixing: Mixing
        var seed: Int
    }

    let directory: URL
    let path: String
    let store: Store

    /// Creates an empty, migrated database in a fresh temporary directory.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-claims-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("fixture.sqlite").path
        store = try Store(path: path, mode: .readWrite)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The seeds of the standard grid: their noise terms sum to zero, so ratios of means are exact.
    static let seeds = [1, 2, 3, 4, 5]

    /// Adds done runs for every key of a grid, two trials each, with ``healthy(_:trial:)`` values that
    /// `adjust` may change.
    ///
    /// - Parameters:
    ///   - schemes, bits, distributions, ranks, mixings, seeds: the grid.
    ///   - adjust: changes the metrics of a key's trial before it is stored.
    func addGrid(
        schemes: [Scheme] = Scheme.allCases, bits: [Int] = [2, 3, 4, 5, 6],
        distributions: [Distribution] = [.gaussian, .t3], ranks: [Int] = [8], mixings: [Mixing] = [.axis],
        seeds: [Int] = FixtureDatabase.seeds, adjust: (Key, Int, inout MetricValues) -> Void = { _, _, _ in }
    ) throws {
        try store.write { db in
            for scheme in schemes {
                for b in bits {
                    for distribution in distributions {
                        for rank in ranks {
                            for mixing in mixings {
                                for seed in seeds {
                                    let key = Key(
                                        scheme: scheme, bits: b, distribution: distribution, rank: rank, mixing: mixing,
                                        seed: seed)
                                    try Self.addRun(key, adjust: adjust, in: db)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The resolved config of a key (every other switch at its default, dim 64).
    static func config(_ key: Key) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = key.scheme
        c.bits = key.bits
        c.distribution = key.distribution
        c.rank = key.rank
        c.mixing = key.mixing
        c.dim = 64
        c.tokens = 128
        c.queries = 16
        return c.resolved
    }

    private static func addRun(
        _ key: Key, adjust: (Key, Int, inout MetricValues) -> Void, in db: Database
    ) throws {
        let hash = try Store.upsertConfig(config(key), in: db)
        let run = try Store.ensureRun(configHash: hash, seed: key.seed, trialsPlanned: 2, in: db)
        var trials: [(trial: Int, metrics: MetricValues)] = []
        for trial in 0..<2 {
            var m = healthy(key, trial: trial)
            adjust(key, trial, &m)
            trials.append((trial, m))
        }
        try Store.insertTrials(runID: run, trials, in: db)
        try Store.markRunDone(runID: run, in: db)
    }

    /// A seed's noise term in [−1, 1], summing to zero over ``seeds`` (different per stream).
    static func noise(_ seed: Int, _ stream: Int) -> Double {
        let pattern = [-1.0, -0.5, 0, 0.5, 1]
        return pattern[(seed - 1 + stream) % pattern.count]
    }

    /// Values under which every shipped claim holds: per seed, KQV has kl = 4^−n, QKQV 2.25·4^−n and
    /// KV 1.5·4^−n (each with ±1% seed noise); k_angle of QKQV is 0.9× KQV's at n = 2, 3, 5 and 1.1× at
    /// n = 4, 6; KV is worst on k_angle and dist6_geo; k_rel_l2 of KQV is √(1.5·4^−n), inside the TurboQuant
    /// bounds; divergences in range; bits_k and bits_v as docs/science.md.
    static func healthy(_ key: Key, trial: Int) -> MetricValues {
        var m = MetricValues()
        let n = Double(key.bits)
        let scale = pow(4, -n)
        let wobble = trial == 0 ? 1.001 : 0.999
        func noisy(_ value: Double, _ stream: Int) -> Double {
            value * (1 + 0.01 * noise(key.seed, stream)) * wobble
        }
        let root = sqrt(1.5 * scale)
        switch key.scheme {
        case .KQV:
            m[.kl] = noisy(scale, 0)
            m[.kAngle] = noisy(root, 1)
            m[.dist6Geo] = noisy(2 * root, 2)
            m[.kRelL2] = noisy(root, 3)
        case .QKQV:
            m[.kl] = noisy(2.25 * scale, 1)
            m[.kAngle] = noisy((key.bits == 4 || key.bits == 6 ? 1.1 : 0.9) * root, 2)
            m[.dist6Geo] = noisy(2.5 * root, 3)
            m[.kRelL2] = noisy(1.3 * root, 4)
        case .KV:
            m[.kl] = noisy(1.5 * scale, 2)
            m[.kAngle] = noisy(1.3 * root, 3)
            m[.dist6Geo] = noisy(2.6 * root, 4)
            m[.kRelL2] = noisy(1.3 * root, 0)
        default:
            break
        }
        m[.klReverse] = m[.kl]
        m[.js] = m[.kl] / 4
        m[.tv] = 0.01
        m[.hellinger] = 0.01
        m[.bhattacharyya] = m[.kl] / 8
        m[.vRelL2] = 1.2 * root
        let keyFloats = key.scheme == .KQV || key.scheme == .KV ? 1.0 : 2.0
        let valueFloats = key.scheme == .KV ? 1.0 : 2.0
        m[.bitsK] = n + keyFloats * 32 / 64
        m[.bitsV] = n + valueFloats * 32 / 64
        return m
    }

    /// Evaluates claims on this database.
    func evaluate(_ claims: [ClaimFile], overrides: [String: SQLValue] = [:]) throws -> ClaimReport {
        try ClaimEvaluator(store: store).evaluate(claims, overrides: overrides)
    }

    /// Evaluates one shipped claim.
    func evaluate(shipped name: String, overrides: [String: SQLValue] = [:]) throws -> ClaimEvaluation {
        let claim = try #require(try ShippedClaims.named(name))
        return try #require(try evaluate([claim], overrides: overrides).evaluations.first)
    }
}

extension ClaimEvaluation {
    /// The values of one column of the kept failing rows.
    func column(_ name: String) -> [SQLValue] {
        guard let index = columns.firstIndex(of: name) else { return [] }
        return failingRows.map { $0[index] }
    }

    /// The text values of one column of the kept failing rows (nil for non-text values).
    func texts(_ name: String) -> [String?] {
        column(name).map { value in
            if case .text(let s) = value { return s }
            return nil
        }
    }

    /// The integer values of one column of the kept failing rows (nil for non-integers).
    func integers(_ name: String) -> [Int64?] {
        column(name).map { value in
            if case .integer(let i) = value { return i }
            return nil
        }
    }
}
