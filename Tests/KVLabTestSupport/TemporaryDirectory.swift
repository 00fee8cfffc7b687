import Foundation

/// A fresh temporary directory, removed when the value is released.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates a new empty directory (`kvlab-test-<UUID>` under the system's temporary directory).
    public init() throws {
        url = try Self.create()
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path inside the directory.
    public func path(_ name: String = "test.sqlite") -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the directory, sorted.
    public func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    /// Creates a new empty directory that is not removed automatically (the caller removes it, or it stays
    /// until the system clears its temporary files).
    public static func create() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
