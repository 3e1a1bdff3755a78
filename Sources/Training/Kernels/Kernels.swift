import CKernels

/// Facts about the engine's elementwise kernels (Sources/CKernels).
public enum Kernels {
    /// The instruction set the kernels run on this CPU: "AVX-512" (with AVX2 and FMA),
    /// "AVX2 + FMA", or "baseline" (SSE2 on x86-64, NEON on arm64) where the CPU lacks AVX2 or FMA.
    public static var instructionSet: String { name(dnt_kernels_isa()) }

    /// How `instructionSet` names `isa`.
    static func name(_ isa: dnt_isa) -> String {
        switch isa {
        case DNT_ISA_AVX512: return "AVX-512"
        case DNT_ISA_AVX2_FMA: return "AVX2 + FMA"
        default: return "baseline"
        }
    }

    /// Every instruction set this CPU runs the kernels on: the baseline and each one up to the best.
    static var supported: [dnt_isa] {
        [DNT_ISA_BASELINE, DNT_ISA_AVX2_FMA, DNT_ISA_AVX512].filter { $0.rawValue <= dnt_kernels_isa().rawValue }
    }
}
