/// An error of dataset import, export and storage, with a user-facing description ("what, where, how to
/// fix"). The command line maps ``isBadInput`` to exit status 2 and everything else to 3.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file to import is malformed or does not hold a valid dataset; `tensor` names the tensor (or the
    /// metadata key, or the `.npy` file) at fault when there is one.
    case invalidFile(path: String, tensor: String?, reason: String)
    /// Nothing to import at this path.
    case missingFile(path: String)
    /// A file could not be read (permissions, I/O).
    case unreadable(path: String, reason: String)
    /// A dataset name that kvlab does not accept.
    case invalidName(name: String, reason: String)
    /// The name is already used by a dataset with other content.
    case nameTaken(name: String, existingHash: String, newHash: String)
    /// The content is already stored under another name (one name per content hash).
    case contentStored(name: String, existingName: String, contentHash: String)
    /// A side-metadata value differs from the one stored with the dataset.
    case metadataConflict(name: String, key: String, stored: String, new: String)
    /// No dataset with this name (or content hash).
    case unknownDataset(name: String)
    /// No tensor with this kind, layer and head in the dataset.
    case noTensor(name: String, kind: DatasetTensorKind, layer: Int, head: Int)
    /// The dataset is referenced by runs and cannot be removed.
    case referenced(name: String, runs: Int)
    /// Two databases being merged hold different datasets under one name, or one dataset under two names,
    /// or conflicting side metadata.
    case mergeConflict(String)
    /// A stored tensor or dataset does not match its recorded hash or shape.
    case corrupt(String)

    /// Whether the error is bad input (exit 2) rather than an I/O or database failure (exit 3).
    public var isBadInput: Bool {
        switch self {
        case .invalidFile, .missingFile, .invalidName, .nameTaken, .contentStored, .metadataConflict, .unknownDataset,
            .noTensor, .referenced:
            return true
        case .unreadable, .mergeConflict, .corrupt:
            return false
        }
    }

    /// The user-facing message.
    public var description: String {
        switch self {
        case .invalidFile(let path, let tensor, let reason):
            return "\(path): " + (tensor.map { "\($0): " } ?? "") + reason + " (nothing was imported)"
        case .missingFile(let path):
            return "\(path): no such file or directory (give a .safetensors file or a directory of .npy files)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidName(let name, let reason):
            return "invalid dataset name '\(name)': \(reason)"
        case .nameTaken(let name, let existing, let new):
            return "the name '\(name)' is already used by dataset \(existing) with different content (this file is "
                + "\(new)); choose another --name, or remove the stored one first (`kvlab dataset rm \(name)`)"
        case .contentStored(let name, let existing, let hash):
            return "this content (\(hash)) is already stored as dataset '\(existing)'; not storing it again as "
                + "'\(name)' (one name per dataset): use '\(existing)'"
        case .metadataConflict(let name, let key, let stored, let new):
            return "dataset '\(name)': \(key) is stored as \(stored) but the file says \(new); nothing was changed"
        case .unknownDataset(let name):
            return "no dataset named '\(name)' (see `kvlab dataset list`)"
        case .noTensor(let name, let kind, let layer, let head):
            return "dataset '\(name)' has no tensor \(kind.rawValue) of layer \(layer), head \(head)"
        case .referenced(let name, let runs):
            return "dataset '\(name)' is used by \(runs) run\(runs == 1 ? "" : "s"); remove them first "
                + "(nothing was removed)"
        case .mergeConflict(let message):
            return "merge: \(message)"
        case .corrupt(let message):
            return "corrupt dataset: \(message) (run `kvlab verify`)"
        }
    }
}
