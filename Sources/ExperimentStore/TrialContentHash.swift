import Quantization

/// The content hash of a run's trial rows, written with `state = 'done'` (and recomputed by `kvlab verify`).
///
/// SHA-256 (lowercase hex) of UTF-8 text with one line per trial, in ascending trial order: the trial
/// index, then for each metric in `metrics.position` order whose value is stored (NULL without its NaN bit
/// is skipped) a tab, the metric name, `=` and the value, then a newline. Values use Swift's shortest
/// round-trip `description` (`0.1`, `1e-05`, `inf`, `-inf`, `nan`), which equals Python's `repr`. The
/// hash is computed from the stored values (SQLite stores −0.0 as 0.0), so re-reading reproduces it.
public enum TrialContentHash {
    /// The canonical text of trial rows (what is hashed).
    ///
    /// - Parameter rows: trial index and the value of each metric in ``Metric/allCases`` order (nil when not
    ///   stored), in ascending trial order.
    /// - Returns: the text.
    public static func text(_ rows: [(trial: Int, values: [Double?])]) -> String {
        var out = ""
        for row in rows {
            out += String(row.trial)
            for (metric, value) in zip(Metric.allCases, row.values) {
                guard let value else { continue }
                out += "\t\(metric.rawValue)=\(value == 0 ? 0.0 : value)"
            }
            out += "\n"
        }
        return out
    }

    /// The content hash of trial rows.
    ///
    /// - Parameter rows: as for ``text(_:)``.
    /// - Returns: 64 lowercase hex digits.
    public static func hash(_ rows: [(trial: Int, values: [Double?])]) -> String {
        Hex.sha256(text(rows).utf8)
    }
}
