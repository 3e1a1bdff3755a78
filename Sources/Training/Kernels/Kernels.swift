import CKernels

/// Facts about the engine's elementwise kernels (Sources/CKernels).
public enum Kernels {
    /// The instruction set the kernels run on this CPU: "AVX2 + FMA", or "baseline" (SSE2 on
    /// x86-64, NEON on arm64) where the CPU lacks AVX2 or FMA.
    public static var instructionSet: String {
        dnt_kernels_isa() == DNT_ISA_AVX2_FMA ? "AVX2 + FMA" : "baseline"
    }
}
