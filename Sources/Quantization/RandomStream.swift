import CKernels
import Statistics

/// The role of a random stream inside one trial.
///
/// Every random quantity of a trial comes from its own stream keyed by (seed, trial, role), so any trial
/// can be recomputed alone, in any order, on any thread, and all schemes and budgets of one data config
/// see the same data, rotations and sketches (common random numbers).
public enum StreamRole: UInt64, Sendable, CaseIterable {
    case keyFactors = 1
    case keyNoise = 2
    case valueFactors = 3
    case valueNoise = 4
    case queryFactors = 5
    case queryNoise = 6
    case keyMixing = 7
    case valueMixing = 8
    case outlierChannels = 9
    case keyRotation = 10
    case valueRotation = 11
    case keySketch = 12
    case valueSketch = 13
    /// Reserved for tests and tools that need an independent stream.
    case auxiliary = 99
}

/// Where in a real model's cache a trial's random quantizer streams belong: one (layer, KV head).
public struct StreamScope: Sendable, Hashable {
    /// The layer, ≥ 0.
    public var layer: Int
    /// The KV head, ≥ 0.
    public var head: Int

    /// A scope.
    ///
    /// - Precondition: layer and head are non-negative.
    public init(layer: Int, head: Int) {
        precondition(layer >= 0 && head >= 0, "layer and head must be non-negative")
        self.layer = layer
        self.head = head
    }
}

/// A deterministic random stream: SplitMix64 derives the state of a xoshiro256** generator from
/// (seed, trial, role).
///
/// Value type: copying a stream forks it. Not thread-safe by design; each task owns its streams.
public struct RandomStream: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    private var spareGaussian: Double?

    /// The stream of one (seed, trial, role).
    ///
    /// - Parameters:
    ///   - seed: the run's seed (any 64-bit value).
    ///   - trial: the trial index (0, 1, 2, …).
    ///   - role: what the stream is used for.
    public init(seed: UInt64, trial: UInt64, role: StreamRole) {
        var key = SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        key = SplitMix64.mix(key ^ (trial &* 0xD1B5_4A32_D192_ED03 &+ 0x8CB9_2BA7_2F3D_8DD7))
        key = SplitMix64.mix(key ^ (role.rawValue &* 0xAEF1_7502_108E_F2D9 &+ 0x94D0_49BB_1331_11EB))
        var sm = SplitMix64(seed: key)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
        spareGaussian = nil
    }

    /// The stream of one (seed, trial, role) with signed seed and trial as stored in the database.
    public init(seed: Int, trial: Int, role: StreamRole) {
        self.init(seed: UInt64(bitPattern: Int64(seed)), trial: UInt64(bitPattern: Int64(trial)), role: role)
    }

    /// The stream of one (seed, trial, role) at one (layer, KV head) of a real model's cache; with a nil
    /// scope, the stream of (seed, trial, role) (synthetic data).
    ///
    /// Captured datasets and model-level runs draw R and S of each (layer, head) from these streams, so
    /// both levels share their random numbers (SCIENCE: "Captured data", randomness).
    public init(seed: Int, trial: Int, role: StreamRole, scope: StreamScope?) {
        guard let scope else {
            self.init(seed: seed, trial: trial, role: role)
            return
        }
        // The scope is folded into the seed word, so every scoped stream differs from every unscoped one
        // and from every other scope (layer and head are non-negative and below 2³¹).
        var seedWord = SplitMix64.mix(UInt64(bitPattern: Int64(seed)) ^ 0x5CA1_AB1E_0000_0000)
        seedWord = SplitMix64.mix(seedWord ^ (UInt64(scope.layer) &* 0x9FB2_1C65_1E98_DF25 &+ 0x2545_F491_4F6C_DD1D))
        seedWord = SplitMix64.mix(seedWord ^ (UInt64(scope.head) &* 0xC2B2_AE3D_27D4_EB4F &+ 0x1656_67B1_9E37_79F9))
        self.init(seed: seedWord, trial: UInt64(bitPattern: Int64(trial)), role: role)
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A uniform double in the open interval (0, 1), with 53 random bits.
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (unbiased, by rejection).
    ///
    /// - Parameter bound: exclusive upper bound, > 0.
    public mutating func uniformInt(below bound: Int) -> Int {
        precondition(bound > 0, "uniformInt bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// A Rademacher sign: +1 or −1 with probability ½ each.
    public mutating func rademacher() -> Double {
        next() >> 63 == 0 ? 1 : -1
    }

    /// A standard normal deviate (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func gaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        let u1 = uniform()
        let u2 = uniform()
        let radius = (-2 * Elementary.log(u1)).squareRoot()
        let (sine, cosine) = Elementary.sinCosTwoPi(u2)  // of the angle 2π·u2, without rounding 2π·u2
        spareGaussian = radius * sine
        return radius * cosine
    }

    /// Fills `out` with standard normal deviates: the same values, in the same order, as `out.count`
    /// calls of ``gaussian()``, and the same stream state afterwards. With the C kernel bodies (AVX2, or the
    /// baseline ones on x86-64) the uniforms of the Box–Muller pairs are drawn first (in stream order), then
    /// transformed four pairs at a time.
    public mutating func gaussians(into out: UnsafeMutableBufferPointer<Double>) {
        guard let base = out.baseAddress, out.count > 0 else { return }
        var start = 0
        if let spare = spareGaussian {
            base[0] = spare
            spareGaussian = nil
            start = 1
        }
        let pairs = (out.count - start) / 2
        if KernelPath.usesAVX2 || KernelPath.usesBaselineC {
            let u = base + start
            for k in 0..<(2 * pairs) { u[k] = uniform() }
            if KernelPath.usesAVX2 { kvlab_avx2_box_muller(u, pairs, u) } else { kvlab_base_box_muller(u, pairs, u) }
        } else {
            for k in start..<(start + 2 * pairs) { base[k] = gaussian() }
        }
        if start + 2 * pairs < out.count { base[out.count - 1] = gaussian() }
    }

    /// `count` standard normal deviates, as `count` calls of ``gaussian()`` give them.
    public mutating func gaussians(_ count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            gaussians(into: buffer)
            initialized = count
        }
    }

    /// The next `count` standard normals, as ``gaussians(_:)``, each times `factor` (× 1 is exact), in aligned
    /// storage (for matrices the products read).
    public mutating func alignedGaussians(_ count: Int, times factor: Double = 1) -> AlignedDoubles {
        AlignedDoubles(count: count) { values in
            gaussians(into: UnsafeMutableBufferPointer(start: values, count: count))
            if factor != 1 { for i in 0..<count { values[i] = factor * values[i] } }
        }
    }

    /// A Student-t deviate with integer ν > 2 degrees of freedom, scaled to unit variance by √((ν−2)/ν).
    ///
    /// Generated as G / √(χ²_ν/ν) with χ²_ν a sum of ν squared normals.
    public mutating func studentT(nu: Int) -> Double {
        let g = gaussian()
        var chi2 = 0.0
        for _ in 0..<nu {
            let z = gaussian()
            chi2 += z * z
        }
        return Self.studentT(g, chi2: chi2, nu: nu)
    }

    /// The Student-t deviate of one normal g and χ²_ν, scaled to unit variance (shared by the one-value and
    /// the block sampler, so both perform the same operations).
    @inline(__always)
    private static func studentT(_ g: Double, chi2: Double, nu: Int) -> Double {
        let t = g / (chi2 / Double(nu)).squareRoot()
        return t * (Double(nu - 2) / Double(nu)).squareRoot()
    }

    /// Fills `out` with Student-t deviates: the same values, in the same order, as `out.count` calls of
    /// ``studentT(nu:)``, and the same stream state afterwards. The normals of a block of deviates are drawn
    /// together by ``gaussians(into:)`` (the vector Box–Muller where the C kernels run), then combined.
    public mutating func studentTs(nu: Int, into out: UnsafeMutableBufferPointer<Double>) {
        guard let base = out.baseAddress, out.count > 0 else { return }
        let block = 64
        let perDeviate = nu + 1
        withUnsafeTemporaryAllocation(of: Double.self, capacity: block * perDeviate) { normals in
            guard let z = normals.baseAddress else { return }
            var start = 0
            while start < out.count {
                let count = min(block, out.count - start)
                gaussians(into: UnsafeMutableBufferPointer(start: z, count: count * perDeviate))
                for i in 0..<count {
                    let deviate = z + i * perDeviate
                    var chi2 = 0.0
                    for k in 1...nu { chi2 += deviate[k] * deviate[k] }
                    base[start + i] = Self.studentT(deviate[0], chi2: chi2, nu: nu)
                }
                start += count
            }
        }
    }

    /// A Laplace deviate with mean 0 and unit variance (scale 1/√2), by inversion.
    public mutating func laplace() -> Double {
        let b = 1 / 2.0.squareRoot()
        let u = uniform()
        return u < 0.5 ? b * Elementary.log(2 * u) : -b * Elementary.log(2 * (1 - u))
    }

    /// A unit-variance deviate of the given distribution.
    public mutating func sample(_ distribution: Distribution) -> Double {
        switch distribution {
        case .gaussian: return gaussian()
        case .laplace: return laplace()
        case .t10: return studentT(nu: 10)
        case .t5: return studentT(nu: 5)
        case .t3: return studentT(nu: 3)
        }
    }

    /// Fills `out` with unit-variance deviates of `distribution`: the same values, in the same order, as
    /// `out.count` calls of ``sample(_:)``, and the same stream state afterwards.
    public mutating func samples(_ distribution: Distribution, into out: UnsafeMutableBufferPointer<Double>) {
        switch distribution {
        case .gaussian: gaussians(into: out)
        case .t10: studentTs(nu: 10, into: out)
        case .t5: studentTs(nu: 5, into: out)
        case .t3: studentTs(nu: 3, into: out)
        case .laplace:
            for i in out.indices { out[i] = laplace() }
        }
    }

    /// `count` distinct indices drawn uniformly from 0..<n (partial Fisher–Yates), in draw order.
    public mutating func distinctIndices(_ count: Int, from n: Int) -> [Int] {
        var pool = Array(0..<n)
        let k = min(count, n)
        for i in 0..<k {
            let j = i + uniformInt(below: n - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<k])
    }
}
