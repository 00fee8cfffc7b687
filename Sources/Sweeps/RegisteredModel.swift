import ExperimentStore
import Foundation
import Models

/// A registered model opened for running: its file is read at the registered path and refused unless its
/// SHA-256 is the registered one (a changed or replaced file must never be used silently).
public struct RegisteredModel: Sendable {
    /// The registration.
    public let record: ModelRecord
    /// The model's tokenizer.
    public let tokenizer: any TextTokenizer
    /// The forward pass.
    public let model: LlamaModel

    /// Opens a registered model.
    ///
    /// - Throws: ``RegisteredModelError`` when the file is missing, changed or not a supported model.
    public static func open(_ record: ModelRecord) throws(RegisteredModelError) -> RegisteredModel {
        guard FileManager.default.isReadableFile(atPath: record.path) else {
            throw .missing(name: record.name, path: record.path)
        }
        let actual: String
        do {
            actual = try FileDigest.sha256(path: record.path)
        } catch {
            throw .unreadable(name: record.name, path: record.path, reason: "\(error)")
        }
        guard actual == record.sha256 else {
            throw .changed(name: record.name, path: record.path, registered: record.sha256, found: actual)
        }
        do {
            let file = try GGUFFile(contentsOf: URL(fileURLWithPath: record.path))
            return RegisteredModel(
                record: record, tokenizer: try loadTokenizer(from: file), model: try LlamaModel(gguf: file))
        } catch {
            throw .unreadable(name: record.name, path: record.path, reason: "\(error)")
        }
    }
}

/// Why a registered model cannot be used.
public enum RegisteredModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not at its registered path (or not readable).
    case missing(name: String, path: String)
    /// The file at the path is not the registered one.
    case changed(name: String, path: String, registered: String, found: String)
    /// The file cannot be read or is not a supported model.
    case unreadable(name: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let name, let path):
            return "model '\(name)': \(path) is missing or unreadable; put the registered file there (every "
                + "machine running the sweep needs it) or register its new place with `kvlab model add PATH --name \(name)`"
        case .changed(let name, let path, let registered, let found):
            return "model '\(name)': the file at \(path) has SHA-256 \(found), not the registered \(registered); "
                + "it was changed or replaced, so it is not used (restore the original file, or register the new "
                + "one under another name)"
        case .unreadable(let name, let path, let reason):
            return "model '\(name)': cannot read \(path): \(reason)"
        }
    }
}
