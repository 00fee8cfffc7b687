import Quantization

extension KVLab {
    /// Applies `KVLAB_KERNELS`: `baseline` or `avx2` chooses the kernel path (docs/architecture.md
    /// "Kernel paths"), `auto` or unset keeps the default (AVX2 where the CPU has it). Both paths give the
    /// same bits; the override lets tests, CI and `kvlab bench` run either.
    ///
    /// - Returns: what is wrong with the value (unknown, or a path this CPU cannot run), or nil.
    static func selectKernelPath(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "auto" else { return nil }
        guard let path = KernelPath(rawValue: value) else {
            return "KVLAB_KERNELS: unknown kernel path '\(value)'; use baseline, avx2 or auto (or unset it)"
        }
        guard path.isSupported else {
            return "KVLAB_KERNELS: this CPU cannot run the \(value) kernel path; use baseline or auto"
        }
        KernelPath.select(path)
        return nil
    }
}
