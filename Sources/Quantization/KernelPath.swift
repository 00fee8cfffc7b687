import CKernels

/// Which bodies the hot `Double` kernels run (docs/architecture.md "Kernel paths").
///
/// Both paths perform the same IEEE operations in the same order for every output, so they give the same
/// bits: the choice changes speed only, never a stored number. The AVX2 bodies are C functions compiled for
/// AVX2 without FMA and without contraction (`Sources/CKernels`); the baseline bodies are the Swift ones of
/// ``Kernels`` and ``RandomStream``, and on x86-64 C functions compiled for baseline x86-64 (SSE2) for the
/// kernels built on the elementary functions and for Mᵀx (``usesBaselineC``). The path is chosen once per
/// process: AVX2 where the CPU has it, unless ``select(_:)`` (the CLI's `KVLAB_KERNELS`) says otherwise. The
/// engine itself reads no environment.
public enum KernelPath: String, Sendable, CaseIterable {
    /// Swift SIMD and scalar bodies for any CPU, with C bodies compiled for baseline x86-64 on x86-64.
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

    /// Whether the baseline path's C bodies (`kvlab_base_…`: Box–Muller, rows of exp, the metric terms, the
    /// row geometry, Mᵀx) are in use: on x86-64 when the AVX2 bodies are not. Other CPUs run the Swift bodies,
    /// which are also the reference KernelPathTests compare the C bodies with.
    @inline(__always)
    static var usesBaselineC: Bool {
        #if arch(x86_64)
            !usesAVX2
        #else
            false
        #endif
    }

    /// Chooses the path for the whole process; both give the same bits, so switching while work runs
    /// changes nothing but speed.
    ///
    /// - Precondition: `path.isSupported`.
    public static func select(_ path: KernelPath) {
        precondition(path.isSupported, "the \(path.rawValue) kernel path needs a CPU with AVX2")
        kvlab_kernels_set_avx2_active(path == .avx2 ? 1 : 0)
    }
}
