/// The bootstrap generator of `kvlab compare`: SplitMix64 (Steele, Lea & Flood 2014), seeded from a hash of
/// the comparison and its group so that the output is reproducible and each group has its own stream.
struct CompareRandom: RandomNumberGenerator {
    /// The generator's state.
    private var state: UInt64

    /// Creates a generator.
    ///
    /// - Parameter seed: the initial state.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of a group: 64-bit FNV-1a of the UTF-8 text `key`.
    ///
    /// - Parameter key: text naming the comparison and its group.
    /// - Returns: the hash.
    static func seed(for key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
