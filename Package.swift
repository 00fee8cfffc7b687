// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "kvlab",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "kvlab", targets: ["kvlab"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "Statistics"),
        // The AVX2 kernel bodies (docs/architecture.md "Kernel paths"): no FMA contraction, so they give the
        // same bits as the baseline Swift bodies.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-ffp-contract=off"])]),
        .target(name: "Quantization", dependencies: ["Statistics", "CKernels"]),
        // One C function: sqlite3_db_config is variadic, which Swift cannot call.
        .target(name: "CSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "ExperimentStore",
            dependencies: [
                "Quantization", "Statistics", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("../../migrations/0001_initial.sql"),
                .embedInCode("../../migrations/0002_analysis_views.sql"),
                .embedInCode("../../migrations/0003_compare_results.sql"),
                .embedInCode("../../migrations/0004_compare_per_seed.sql"),
                .embedInCode("../../migrations/0005_declared_schemes.sql"),
                .embedInCode("../../migrations/0006_datasets.sql"),
                .embedInCode("../../migrations/0007_captured_data.sql"),
                .embedInCode("../../migrations/0008_model_level.sql"),
                .embedInCode("../../migrations/0009_provenance.sql"),
                .embedInCode("../../migrations/0010_sweep_checksums.sql"),
            ]
        ),
        .target(
            name: "Sweeps",
            dependencies: [
                "ExperimentStore", "Quantization", "Models", "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("../../sweeps/caches.yaml"), .embedInCode("../../sweeps/model.yaml"),
                .embedInCode("../../sweeps/paper.yaml"),
                .embedInCode("../../sweeps/paper-gap.yaml"),
                .embedInCode("../../sweeps/sensitivity.yaml"), .embedInCode("../../sweeps/smoke.yaml"),
            ]
        ),
        .target(
            name: "Claims",
            dependencies: [
                "ExperimentStore", "Quantization", "Statistics", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("../../queries/claims/kqv-wins-at-n4.sql"),
                .embedInCode("../../queries/claims/qkqv-worse-kl.sql"),
                .embedInCode("../../queries/claims/k-angle-crossover.sql"),
                .embedInCode("../../queries/claims/kl-ratio-2.25.sql"),
                .embedInCode("../../queries/claims/sanity-divergences-in-range.sql"),
                .embedInCode("../../queries/claims/sanity-error-shrinks-with-bits.sql"),
                .embedInCode("../../queries/claims/sanity-mse-distortion-bounds.sql"),
                .embedInCode("../../queries/claims/sanity-effective-bits.sql"),
                .embedInCode("../../queries/claims/dataset-kqv-wins-at-n4.sql"),
                .embedInCode("../../queries/claims/dataset-qkqv-worse-kl.sql"),
                .embedInCode("../../queries/claims/dataset-k-angle-crossover.sql"),
                .embedInCode("../../queries/claims/dataset-sanity-divergences-in-range.sql"),
                .embedInCode("../../queries/claims/dataset-sanity-error-shrinks-with-bits.sql"),
                .embedInCode("../../queries/claims/dataset-sanity-effective-bits.sql"),
                .embedInCode("../../queries/claims/model-kqv-lowest-next-kl.sql"),
                .embedInCode("../../queries/claims/model-attention-winner-is-model-winner.sql"),
                .embedInCode("../../queries/claims/model-sanity-metrics-consistent.sql"),
            ]
        ),
        // GGUF reader, tokenizer and Llama forward pass (reads model files; kernels live in Quantization).
        .target(name: "Models", dependencies: ["Quantization", "Statistics"]),
        .target(name: "Reports", dependencies: ["Claims", "Sweeps", "ExperimentStore", "Quantization", "Statistics"]),
        .target(
            name: "Benchmarks",
            dependencies: ["Claims", "Sweeps", "ExperimentStore", "Quantization", "Statistics", "Models"],
            resources: [.embedInCode("../../data/lighthouses.txt")]),
        .target(
            name: "KVLabCLI",
            dependencies: [
                "Quantization", "Statistics", "ExperimentStore", "Sweeps", "Claims", "Reports", "Benchmarks", "Models",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "kvlab", dependencies: ["KVLabCLI"]),
        // Shared by the test targets: the kvlab process runner, temporary directories, external tools,
        // sample configs and an in-memory RunQueue.
        .target(
            name: "KVLabTestSupport", dependencies: ["Sweeps", "ExperimentStore", "Quantization", "Models"],
            path: "Tests/KVLabTestSupport"),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "Statistics", "CKernels"]),
        .testTarget(
            name: "ExperimentStoreTests", dependencies: ["ExperimentStore", "Quantization", "KVLabTestSupport"],
            exclude: ["Fixtures", "schema.golden.sql"]),
        .testTarget(
            name: "SweepsTests",
            dependencies: ["Sweeps", "ExperimentStore", "Quantization", "Statistics", "KVLabTestSupport"]),
        .testTarget(
            name: "ClaimsTests",
            dependencies: ["Claims", "ExperimentStore", "Quantization", "Statistics", "KVLabTestSupport", "kvlab"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Claims", "ExperimentStore", "Quantization", "KVLabTestSupport", "kvlab"]),
        .testTarget(
            name: "ModelsTests",
            dependencies: [
                "Models", "Quantization", "KVLabTestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "KVLabTestSupport"]),
        .testTarget(
            name: "KVLabCLITests",
            dependencies: [
                "KVLabCLI", "kvlab", "KVLabTestSupport", "Models", .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["EngineGolden"]),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "kvlab", "ExperimentStore", "Sweeps", "Claims", "Quantization", "Statistics", "KVLabTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
