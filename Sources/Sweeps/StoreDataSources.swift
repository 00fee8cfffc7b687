import ExperimentStore
import Foundation
import Quantization

/// The data sources of a store: the synthetic generator for synthetic configs, and for captured ones the
/// stored dataset, read per (layer, KV head) and kept with its reference attention for the next trials (a
/// few heads at a time).
///
/// Reading happens here, outside the engine, which only receives the materialised inputs.
public final class StoreDataSources: @unchecked Sendable {
    private let store: Store
    private let lock = NSLock()
    /// Sources by data key, each holding its inputs and their reference attention (computed once).
    private var sources: [DataKey: CapturedSource] = [:]
    private var recent: [DataKey] = []
    /// How many sources stay in memory (a 1024-token, d = 64 head with G = 3 is a few MB).
    private let capacity: Int

    /// The sources of a store's configs.
    ///
    /// - Parameters:
    ///   - store: the database the datasets are read from.
    ///   - capacity: how many (layer, head) sources to keep.
    public init(store: Store, capacity: Int = 16) {
        self.store = store
        self.capacity = max(1, capacity)
    }

    /// The source of a data key: ``SyntheticSource`` without a dataset, else a ``CapturedSource`` (or, when
    /// the dataset cannot be read or does not fit the key, a source whose every trial fails with the
    /// reason, so the runs that need it are marked failed with it).
    public func source(for key: DataKey) -> any TrialDataSource {
        guard let source = key.source, let layer = key.layer, let head = key.head else {
            return SyntheticSource(key: key)
        }
        lock.lock()
        if let made = sources[key] {
            lock.unlock()
            return made
        }
        lock.unlock()
        do {
            let slice = try store.capturedHead(contentHash: source, layer: layer, head: head)
            guard slice.dim == key.dim, key.queries >= 1, key.queries <= key.tokens, key.tokens <= slice.tokens else {
                throw DataSourceError(
                    "the config (dim \(key.dim), tokens \(key.tokens), queries \(key.queries)) does not fit dataset "
                        + "\(source) (head dim \(slice.dim), \(slice.tokens) tokens)")
            }
            let made = CapturedSource(head: slice, tokens: key.tokens, queries: key.queries, logitScale: key.logitScale)
            lock.lock()
            defer { lock.unlock() }
            if sources.updateValue(made, forKey: key) == nil {
                recent.append(key)
                if recent.count > capacity { sources[recent.removeFirst()] = nil }
            }
            return made
        } catch {
            return FailingSource(reason: String(describing: error), logitScale: key.logitScale)
        }
    }
}

/// Why a data source could not produce a trial's inputs.
public struct DataSourceError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// A source whose every trial fails with one reason (the data it should read are not available).
struct FailingSource: TrialDataSource {
    let reason: String
    let logitScale: Double

    func trialData(seed: Int, trial: Int) throws -> TrialData { throw DataSourceError(reason) }
}
