import CKernels
import Synchronization

/// `out[n, :] = inp[n, :] · weightᵀ + bias` for `n` in `0..<rows`, PyTorch `nn.Linear` layout:
/// `weight` is `[outFeatures, inFeatures]`. Row strides `ldInp`/`ldOut` default to the widths,
/// so a linear layer can read or write a column slice of a wider matrix. The product is split
/// across `workers` threads (`WeightProducts`).
func linearForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int, outFeatures: Int,
    ldInp: Int? = nil, ldOut: Int? = nil, workers: Int = 1
) {
    guard rows > 0, outFeatures > 0 else { return }
    let ldo = ldOut ?? outFeatures
    guard inFeatures > 0 || bias != nil else {
        for r in 0..<rows { (out + r * ldo).update(repeating: 0, count: outFeatures) }
        return
    }
    if WeightProducts.useKernel(inFeatures: inFeatures, outFeatures: outFeatures) {
        WeightProducts.split(outputs: outFeatures, rows: rows, inner: inFeatures, workers: workers) { n0, n1 in
            dnt_gemm_xwt(inp, ldInp ?? inFeatures, weight, inFeatures, out, ldo, bias, rows, inFeatures, n0, n1, 0)
        }
        return
    }
    parallelSgemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, alpha: 1,
                  a: inp, lda: ldInp ?? inFeatures, b: weight, ldb: inFeatures,
                  beta: 0, c: out, ldc: ldo, rowBias: bias, workers: workers)
}

/// How the linear layers compute their products (`linearForward`'s `X·Wᵀ`, `linearBackward`'s
/// `dY·W` and weight gradient `dYᵀ·X`; attention stays on OpenBLAS): with CKernels' AVX-512 kernel
/// (`dnt_gemm_xwt`, `dnt_gemm_xw`, `dnt_gemm_xtw`) where this CPU has AVX-512, which prefetches the
/// weight that OpenBLAS's packing waits for, and with OpenBLAS (`parallelSgemm`) elsewhere.
public enum WeightProducts {
    /// Whether this CPU runs the kernel (AVX-512).
    public static let kernelAvailable = dnt_gemm_available() != 0

    private static let kernelChosen = Atomic<Bool>(kernelAvailable)

    /// Whether the products use the kernel: `kernelAvailable` unless set to false (`dnatune bench
    /// train --openblas-products` does, to measure against OpenBLAS); setting true where the
    /// kernel is not available changes nothing.
    public static var useKernel: Bool {
        get { kernelChosen.load(ordering: .relaxed) }
        set { kernelChosen.store(newValue && kernelAvailable, ordering: .relaxed) }
    }

    /// Who computes the products, for reports: the kernel (for layers 512 wide and wider) or OpenBLAS.
    public static var engine: String { useKernel ? "AVX-512 kernel (layers 512 wide and wider)" : "OpenBLAS" }

    /// Whether a layer of these widths uses the kernel: both at least 512. Whole training steps
    /// measured it 3–15 % faster than OpenBLAS at the published models' widths (512–6144) and 5–15 %
    /// slower at hidden 128 and 256 with 4,096-row batches, although those products alone ran as
    /// fast or faster (docs/results.md); the narrow layers stay on OpenBLAS.
    static func useKernel(inFeatures: Int, outFeatures: Int) -> Bool {
        useKernel && min(inFeatures, outFeatures) >= 512
    }

    /// Runs `body(n0, n1)` for each worker's range of whole 32-output panels of `0..<outputs`
    /// (the kernel's panel width, so that no panel is split between two threads); a product of
    /// fewer than `parallelProductMinimum` multiply-adds (`rows · outputs · inner`) runs on the
    /// calling thread alone, as `parallelSgemm`'s do.
    static func split(outputs: Int, rows: Int, inner: Int, workers: Int, _ body: (_ n0: Int, _ n1: Int) -> Void) {
        let panels = (outputs + 31) / 32
        let useWorkers = Double(rows) * Double(outputs) * Double(inner) >= parallelProductMinimum ? min(workers, panels) : 1
        parallelFor(count: panels, workers: useWorkers) { start, end, _ in
            body(start * 32, min(end * 32, outputs))
        }
    }
}

/// The backward pass of `linearForward`. Each gradient is computed only when its pointer is
/// given: `dinp` is overwritten (`accumulate == false`) or added to; `dweight` and `dbias` are
/// always added to (gradient accumulation).
func linearBackward(
    dinp: UnsafeMutablePointer<Float>?, accumulate: Bool = false,
    dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int, ldInp: Int? = nil, ldOut: Int? = nil, workers: Int = 1
) {
    let ldo = ldOut ?? outFeatures, ldi = ldInp ?? inFeatures
    if let dinp, rows > 0, inFeatures > 0 {
        if outFeatures == 0 {
            if !accumulate { for r in 0..<rows { (dinp + r * ldi).update(repeating: 0, count: inFeatures) } }
        } else if WeightProducts.useKernel(inFeatures: inFeatures, outFeatures: outFeatures) {
            WeightProducts.split(outputs: inFeatures, rows: rows, inner: outFeatures, workers: workers) { n0, n1 in
                dnt_gemm_xw(dout, ldo, weight, inFeatures, dinp, ldi, rows, outFeatures, n0, n1, accumulate ? 1 : 0)
            }
        } else {
            parallelSgemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
                          a: dout, lda: ldo, b: weight, ldb: inFeatures, beta: accumulate ? 1 : 0, c: dinp, ldc: ldi,
                          workers: workers)
        }
    }
    if let dweight, rows > 0, inFeatures > 0, outFeatures > 0 {
        if WeightProducts.useKernel(inFeatures: inFeatures, outFeatures: outFeatures) {
            WeightProducts.split(outputs: inFeatures, rows: outFeatures, inner: rows, workers: workers) { n0, n1 in
                dnt_gemm_xtw(dout, ldo, inp, ldi, dweight, inFeatures, outFeatures, rows, n0, n1, 1)
            }
        } else {
            parallelSgemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1,
                          a: dout, lda: ldo, b: inp, ldb: ldi, beta: 1, c: dweight, ldc: inFeatures, workers: workers)
        }
    }
    if let dbias {
        for r in 0..<rows { addInPlace(dbias, dout + r * ldo, count: outFeatures) }
    }
}
