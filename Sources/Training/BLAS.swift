import CKernels
import COpenBLAS
import Dispatch

/// The project's single door to OpenBLAS. Nothing outside `Training` calls BLAS.
public enum BLAS {
    /// The number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The OpenBLAS build and the CPU kernel it selected, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell".
    public static var configuration: String {
        var text = String(cString: openblas_get_config())
        if let core = openblas_get_corename() { text += " (\(String(cString: core)))" }
        return text
    }

    /// The name of the kernel OpenBLAS chose for this CPU ("Haswell", "SkylakeX", "Prescott", …).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// OpenBLAS's x86 kernels that use neither AVX2 nor AVX-512 — what a DYNAMIC_ARCH build falls
    /// back to on a CPU it does not recognise. Debian 12's OpenBLAS 0.3.21 takes an Emerald Rapids
    /// Xeon (family 6, model 207) for "Prescott", whose sgemm ran at 18.6 GFLOP/s there against
    /// SkylakeX's 234.
    static let fallbackCores: Set<String> = [
        "Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Atom", "Opteron", "Opteron_SSE3", "Barcelona",
    ]

    /// The kernel to ask OpenBLAS for (with `OPENBLAS_CORETYPE`, read when the library loads)
    /// when it fell back to one without AVX2 on a CPU that has more: "SkylakeX" where the CPU
    /// has AVX-512, "Haswell" where it has AVX2 and FMA; nil when OpenBLAS's choice stands.
    public static var betterCoreType: String? {
        betterCoreType(chosen: coreName, isa: dnt_kernels_isa())
    }

    static func betterCoreType(chosen: String, isa: dnt_isa) -> String? {
        guard fallbackCores.contains(chosen) else { return nil }
        switch isa {
        case DNT_ISA_AVX512: return "SkylakeX"
        case DNT_ISA_AVX2_FMA: return "Haswell"
        default: return nil
        }
    }

    /// Row-major single-precision matrix product `C = alpha * op(A) * op(B) + beta * C`,
    /// where `op(A)` is M×K, `op(B)` is K×N and `C` is M×N; `lda`, `ldb`, `ldc` are the row
    /// strides of the matrices as stored.
    @inlinable
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// This machine's matrix-product rate: the median GFLOP/s of five 512 × 512 × 512 products
    /// (about 25 ms on two cores).
    public static func measureGFLOPs() -> Double {
        let n = 512
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var times: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1,
                              a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return 2 * Double(n * n * n) / times[times.count / 2] / 1e9
    }
}
