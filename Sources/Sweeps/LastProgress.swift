import Synchronization

/// The last progress an executor reported (the executor reports from its own task).
final class LastProgress: Sendable {
    private let value = Mutex<SweepExecutor.Progress?>(nil)

    /// Keeps `progress`.
    func set(_ progress: SweepExecutor.Progress) { value.withLock { $0 = progress } }

    /// The last progress kept, if any.
    func get() -> SweepExecutor.Progress? { value.withLock { $0 } }
}
