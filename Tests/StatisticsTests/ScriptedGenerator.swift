/// Replays a fixed list of raw outputs (for testing rejection paths).
struct ScriptedGenerator: RandomNumberGenerator {
    var outputs: [UInt64]

    /// The next scripted output.
    mutating func next() -> UInt64 { outputs.removeFirst() }
}
