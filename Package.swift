// swift-tools-version:6.1
// dnatune: fine-tune DNA language models into sequence classifiers on a CPU,
// from an ncurses dashboard. Layering (see docs/ARCHITECTURE.md): Data <- Training <- TUI <- dnatune.
import PackageDescription

let package = Package(
    name: "dnatune",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dnatune", targets: ["dnatune"]),
        .library(name: "Data", targets: ["Data"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "TUI", targets: ["TUI"]),
    ],
    dependencies: [
        // Pinned exactly: the command line and the YAML config/theme files are part of the
        // user-facing contract, so dependency upgrades are deliberate commits.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // TensorBoard's event files are protobuf records (Event, Summary).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries: a module map and a small C header each.
        // No pkgConfig: ncursesw's only flags are -D's that SwiftPM drops with a warning on every
        // fresh build (shim.h defines what they would); libncursesw.so links libtinfo itself.
        .systemLibrary(
            name: "CNCursesW", path: "Sources/CNCursesW",
            providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CLZMA", path: "Sources/CLZMA", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(
            name: "CISAL", path: "Sources/CISAL", pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]),

        // The training engine's elementwise kernels (GELU, softmax, LayerNorm, dropout) and LoRA's
        // row work: C loops the compiler vectorises, built for the baseline CPU, for AVX2 + FMA and
        // for AVX-512, picked at run time. Only Training (and its tests) use it.
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),

        // Sequences in, clean labeled token batches out. No BLAS, no curses.
        .target(name: "Data", dependencies: ["CLZMA", "CISAL"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // The model and everything that changes weights. The only module that calls BLAS.
        .target(name: "Training", dependencies: ["Data", "COpenBLAS", "CKernels", .product(name: "Yams", package: "Yams"),
                                                 .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["IO/TensorBoard/tensorboard.proto"]),
        // The dashboard. The only module that calls ncurses.
        .target(name: "TUI", dependencies: ["Training", "Data", "CNCursesW", .product(name: "Yams", package: "Yams")]),
        // The command line: parses, then calls the modules.
        .executableTarget(
            name: "dnatune",
            dependencies: [
                "Data", "Training", "TUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // The readers' coverage-guided fuzz target (scripts/fuzz-readers builds it with
        // -sanitize=fuzzer -DFUZZING); built plainly, it replays a corpus.
        .executableTarget(name: "reader-fuzz", dependencies: ["Data"], path: "Sources/ReaderFuzz"),

        .testTarget(name: "DataTests", dependencies: ["Data", "CZlib"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Data", "CKernels"], resources: [.copy("Fixtures")]),
        // Snapshots are read (and re-recorded) through #filePath, not as bundle resources.
        .testTarget(name: "TUITests", dependencies: ["TUI", "Training", "Data"], exclude: ["Snapshots"]),
        .testTarget(name: "EndToEndTests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
