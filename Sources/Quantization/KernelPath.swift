import CKernels

/// Which bodies the hot `Double` kernels run (docs/architecture.md "Kernel paths").
///
/// Both paths perform the same IEEE operations in the same order for every output, so they give the same
/// bits: the choice changes speed only, never a stored number. The AVX2 bodies are C functions compiled for
/// AVX2 without FMA and without contraction (`Sources/CKernels`); the baseline bodies are the Swift ones of
/// ``Kernels`` and ``RandomStream``. The path is chosen once per process: AVX2 where the CPU has it, unless
/// ``select(_:)`` (the CLI's `KVLAB_KERNELS`) says otherwise. The engine itself reads no environment.
public enum KernelPath: String, Sendable, CaseIterable {
    /// Swift SIMD and scalar bodies, for any CPU.
    case baseline
    /// AVX2 bodies (x86-64 CPUs with AVX2).
    case avx2

    /// Whether this CPU can run the path.
    public var isSupported: Bool {
        switch self {
        case .baseline: true
        case .avx2: kvlab_kernels_avx2_supported() != 0
        }
    }

    /// The path in use.
    public static var current: KernelPath { usesAVX2 ? .avx2 : .baseline }

    /// Whether the AVX2 bodies are in use (read by the kernels at each call).
    @inline(__always)
    static var usesAVX2: Bool { kvlab_kernels_avx2_active() != 0 }

    /// Chooses the path for the whole process; both give the same bits, so switching while work runs
    /// changes nothing but speed.
    ///
    /// - Precondition: `path.isSupported`.
    public static func select(_ path: KernelPath) {
        precondition(path.isSupported, "the \(path.rawValue) kernel path needs a CPU with AVX2")
        kvlab_kernels_set_avx2_active(path == .avx2 ? 1 : 0)
    }
}
