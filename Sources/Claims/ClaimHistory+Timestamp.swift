import Foundation

extension ClaimHistory {
    /// Unix epoch seconds as ISO 8601 UTC with milliseconds (`2026-01-02T03:04:05.678Z`), as claim reports
    /// and `kvlab claims history` show evaluation times.
    public static func timestamp(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
