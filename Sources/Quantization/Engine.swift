/// Engine-wide constants.
public enum Engine {
    /// Bumped only when a change alters the numbers the engine produces (part of a stored trial's key).
    ///
    /// - 1: elementary functions from the C library (last bits depend on the CPU's libm variant).
    /// - 2: kvlab's own elementary functions (`Statistics.Elementary`): the same bits on every machine;
    ///   Gaussians use sin/cos of 2π·u without rounding 2π·u; the Lloyd–Max start uses AS 241.
    public static let version = 2
}
