import COpenBLAS

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
}
