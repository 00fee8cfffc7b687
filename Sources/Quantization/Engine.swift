/// Engine-wide constants.
public enum Engine {
    /// Bumped only when a change alters the numbers the engine produces (part of a stored trial's key).
    ///
    /// - 1: elementary functions from the C library (last bits depend on the CPU's libm variant).
    /// - 2: kvlab's own elementary functions (`Statistics.Elementary`): the same bits on every machine;
    ///   Gaussians use sin/cos of 2π·u without rounding 2π·u; the Lloyd–Max start uses AS 241; the
    ///   quantizers scale a row by 1/‖x‖ instead of dividing each coordinate; the KL and JS terms share
    ///   one expm1 per token. Every metric is within 1e-10 relative of version 1 on the pinned configs.
    public static let version = 2
}
