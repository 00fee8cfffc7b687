/// Engine-wide constants.
public enum Engine {
    /// Bumped only when a change alters the numbers the engine produces (part of a stored trial's key).
    public static let version = 1
}
