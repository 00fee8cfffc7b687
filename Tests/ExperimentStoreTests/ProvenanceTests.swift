import Foundation
import Testing

@testable import ExperimentStore

/// The math-library variant recorded with every writing process (provenance.arch).
@Suite("provenance: glibc math-library variant")
struct ProvenanceTests {
    #if os(Linux) && arch(x86_64)
        @Test("the variant follows the CPU flags and GLIBC_TUNABLES' hwcaps")
        func variant() {
            let modern: Set<String> = ["sse2", "avx", "avx2", "fma"]
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: modern) == "fma")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2", "avx", "fma"]) == "no fma")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2", "avx", "fma4"]) == "fma4")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2"]) == "no fma")
            let off = ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.cpu.hwcaps=-AVX2,-FMA"]
            #expect(Provenance.mathLibraryVariant(environment: off, cpuFlags: modern) == "no fma")
            let other = ["GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F"]
            #expect(Provenance.mathLibraryVariant(environment: other, cpuFlags: modern) == "fma")
        }

        @Test("this machine's provenance names its variant after the architecture")
        func current() throws {
            let flags = try #require(Provenance.cpuInfoFlags())
            #expect(flags.contains("sse2"))
            let arch = Provenance.current(kvlabVersion: "test").arch
            let environment = ProcessInfo.processInfo.environment
            let expected = try #require(Provenance.mathLibraryVariant(environment: environment, cpuFlags: flags))
            #expect(arch == "x86_64; glibc libm: \(expected)")
        }
    #endif
}
